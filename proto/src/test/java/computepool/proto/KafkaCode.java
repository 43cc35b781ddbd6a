package computepool.proto;

import computepool.proto.Repo.JavaSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who produces and consumes which Kafka topic, and which event types each consumer handles, as the modules' main code
 * and base configuration say.
 */
final class KafkaCode {

    static final String TOPICS_JAVA = "platform-events/src/main/java/computepool/events/Topics.java";

    private static final Pattern TOPIC_CONSTANT = Pattern.compile(
            "static\\s+final\\s+String\\s+([A-Z][A-Z0-9_]*)\\s*=\\s*\"([^\"]+)\"\\s*;");
    // The ways a module hands an event to Kafka: through the outbox, or straight to a producer.
    private static final List<Pattern> PRODUCES = List.of(
            Pattern.compile("new\\s+(?:computepool\\.events\\.)?Outbox\\.Entry\\(\\s*Topics\\.(\\w+)"),
            Pattern.compile("\\.append\\(\\s*Topics\\.(\\w+)"),
            Pattern.compile("\\.appendAll\\([^;]*?Topics\\.(\\w+)"),
            Pattern.compile("EventCodec\\.toProducerRecord\\(\\s*Topics\\.(\\w+)"));
    private static final Pattern INCOMING = Pattern.compile("@Incoming\\(\\s*(?:\"([^\"]+)\"|(\\w+))\\s*\\)");
    private static final Pattern HANDLED = Pattern.compile(
            "(?:\\.on|EventHandlers\\.of)\\(\\s*([\\w.]+)\\.getDefaultInstance\\(\\)");
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");

    record Producer(String module, String topic) {

        @Override
        public String toString() {
            return module + " publishes to " + topic;
        }
    }

    record Consumer(String module, String topic, String group) {

        @Override
        public String toString() {
            return module + " (group " + group + ") reads " + topic;
        }
    }

    /** A consumer of {@code module} reading {@code topic} routes events of {@code ceType} to a handler. */
    record Route(String module, String topic, String ceType) {
    }

    private final Repo repo;
    private final Map<String, String> topics;
    private final List<String> problems = new ArrayList<>();
    private final Set<Producer> producers = new TreeSet<>(Comparator.comparing(Producer::toString));
    private final Set<Consumer> consumers = new TreeSet<>(Comparator.comparing(Consumer::toString));
    private final Set<Route> routes = new TreeSet<>(Comparator.comparing(Route::toString));

    KafkaCode(Repo repo) {
        this.repo = repo;
        this.topics = constants(repo.read(TOPICS_JAVA));
        for (String module : repo.modules()) {
            Optional<Properties> config = repo.properties(module);
            for (JavaSource source : repo.javaSources(module)) {
                scanProducers(source);
                scanConsumers(source, config);
            }
        }
    }

    /** The topic names of {@code Topics}, by constant. */
    Map<String, String> topics() {
        return topics;
    }

    Set<Producer> producers() {
        return producers;
    }

    Set<Consumer> consumers() {
        return consumers;
    }

    Set<Route> routes() {
        return routes;
    }

    /** What the scan could not resolve: a topic constant that does not exist, a channel with no topic in config. */
    List<String> problems() {
        return problems;
    }

    private void scanProducers(JavaSource source) {
        for (Pattern pattern : PRODUCES) {
            Matcher produced = pattern.matcher(source.text());
            while (produced.find()) {
                String topic = topics.get(produced.group(1));
                if (topic == null) {
                    problems.add(source.path() + " publishes to Topics." + produced.group(1) + ", not in "
                            + TOPICS_JAVA);
                } else {
                    producers.add(new Producer(source.module(), topic));
                }
            }
        }
    }

    private void scanConsumers(JavaSource source, Optional<Properties> config) {
        Matcher incoming = INCOMING.matcher(source.text());
        while (incoming.find()) {
            String channel = incoming.group(1) != null
                    ? incoming.group(1)
                    : constants(source.text()).get(incoming.group(2));
            if (channel == null) {
                problems.add(source.path() + ": @Incoming(" + incoming.group(2) + ") names no constant of that class");
                continue;
            }
            String prefix = "mp.messaging.incoming." + channel + ".";
            String topic = config.map(properties -> properties.getProperty(prefix + "topic")).orElse(null);
            String group = config.map(properties -> properties.getProperty(prefix + "group.id")).orElse(null);
            if (topic == null || group == null) {
                problems.add(source.path() + ": channel " + channel + " has no " + prefix
                        + (topic == null ? "topic" : "group.id") + " in " + source.module()
                        + "'s application.properties");
                continue;
            }
            consumers.add(new Consumer(source.module(), topic.strip(), group.strip()));
            Matcher handled = HANDLED.matcher(source.text());
            while (handled.find()) {
                routes.add(new Route(source.module(), topic.strip(), qualify(source.text(), handled.group(1))));
            }
        }
    }

    /** The full name of a class named in {@code text}: from its import, else of the file's own package. */
    static String qualify(String text, String name) {
        if (name.contains(".")) {
            return name;
        }
        Matcher imported = Pattern.compile("\\bimport\\s+([\\w.]+\\." + Pattern.quote(name) + ")\\s*;").matcher(text);
        if (imported.find()) {
            return imported.group(1);
        }
        Matcher own = PACKAGE.matcher(text);
        return own.find() ? own.group(1) + "." + name : name;
    }

    private static Map<String, String> constants(String text) {
        Map<String, String> constants = new LinkedHashMap<>();
        Matcher constant = TOPIC_CONSTANT.matcher(text);
        while (constant.find()) {
            constants.put(constant.group(1), constant.group(2));
        }
        return constants;
    }
}
