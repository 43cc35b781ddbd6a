package computepool.localstack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka (broker and controller in one JVM) run from the Maven jars with the same java as
 * this JVM. Its log directory stays in the stack home, so topics and offsets survive a restart; the static
 * voter list lets the controller move to another free port on every start.
 */
public final class KafkaLauncher implements Component {

    public static final String NAME = "kafka";
    public static final String HEAP = "-Xmx1g";

    private static final String LOG4J2 = String.join(System.lineSeparator(),
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = info",
            "rootLogger.appenderRef.out.ref = out",
            "logger.state.name = state.change.logger",
            "logger.state.level = warn",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = warn",
            "");

    private final Artifacts artifacts;
    private final Path javaBinary;
    private final IntSupplier ports;
    private final List<String> topics;

    public KafkaLauncher(Artifacts artifacts, Path javaBinary, IntSupplier ports, List<String> topics) {
        this.artifacts = artifacts;
        this.javaBinary = javaBinary;
        this.ports = ports;
        this.topics = List.copyOf(topics);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningComponent start(StackHome home, Path logs) throws InterruptedException {
        long begin = System.nanoTime();
        Path log = logs.resolve("kafka.log");
        Path dir = home.component(NAME);
        Path data = dir.resolve("data");
        int port = ports.getAsInt();
        int controllerPort = ports.getAsInt();
        String classpath = artifacts.kafkaClasspath().stream()
                .map(path -> Artifacts.existing(path, NAME).toString())
                .collect(Collectors.joining(File.pathSeparator));
        Path config = dir.resolve("server.properties");
        Path logging = dir.resolve("log4j2.properties");
        try {
            Files.createDirectories(dir);
            Files.writeString(config, serverProperties(port, controllerPort, data));
            Files.writeString(logging, LOG4J2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!Files.exists(data.resolve("meta.properties"))) {
            Commands.run(NAME, List.of(javaBinary.toString(), "-Xmx256m", "-cp", classpath,
                    "-Dlog4j2.configurationFile=" + logging, "kafka.tools.StorageTool", "format",
                    "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString()),
                    Map.of(), dir, log, Duration.ofMinutes(2));
        }
        ChildProcess process = ChildProcess.start(NAME, List.of(javaBinary.toString(), HEAP, "-Xms256m",
                "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + logging, "-cp", classpath, "kafka.Kafka", config.toString()),
                Map.of(), dir, log);
        String bootstrap = "127.0.0.1:" + port;
        try (KafkaTopics admin = new KafkaTopics(bootstrap)) {
            process.awaitReady(admin::ready, Duration.ofSeconds(120), "TERM");
            admin.create(topics, KafkaTopics.DEFAULT_PARTITIONS);
        }
        return new RunningComponent(NAME, process, bootstrap, "TERM",
                Map.of(LocalStackEnv.KAFKA_BOOTSTRAP_SERVERS, bootstrap),
                Duration.ofNanos(System.nanoTime() - begin));
    }

    private static String serverProperties(int port, int controllerPort, Path data) {
        return String.join(System.lineSeparator(),
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=" + KafkaTopics.DEFAULT_PARTITIONS,
                "default.replication.factor=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=" + KafkaTopics.DEFAULT_PARTITIONS,
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=" + KafkaTopics.DEFAULT_PARTITIONS,
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Tests join consumer groups constantly; the default 3 s delay would be paid by each of them.
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "");
    }
}
