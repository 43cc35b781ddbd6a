package computepool.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import computepool.proto.GrpcCode.Call;
import computepool.proto.KafkaCode.Consumer;
import computepool.proto.KafkaCode.Producer;
import computepool.proto.KafkaCode.Route;
import computepool.proto.ProtoContracts.ProtoFile;
import computepool.proto.ReadmeTables.Entry;
import computepool.proto.Repo.JavaSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * proto/README.md is the platform's contract table: this test fails when the tables there and the protos, the
 * services' code or their configuration disagree, naming every mismatch.
 */
class ContractTableTest {

    private static final String[] LAYOUT = {"package", "file", "holds"};
    private static final String[] RPCS = {"rpc", "served by", "may call", "auth", "what for"};
    private static final String[] TOPICS = {"topic", "producers", "consumers"};
    private static final String[] EVENTS = {"ce_type", "topic", "key", "producer", "consumers"};
    private static final String SERVICE_TOKEN = "service token";
    private static final String NODE_CREDENTIAL = "node credential";
    private static final String SESSION_TICKET = "session ticket";
    /** Authorizations checked by {@code @RolesAllowed}: the caller's roles must be exactly the row's may call. */
    private static final Set<String> BY_ROLE = Set.of(SERVICE_TOKEN, NODE_CREDENTIAL);
    // Shard workers run on operators' machines and serve on a public port: no platform service token reaches them,
    // so their RPCs are authorized by the gateway-signed ticket of the session instead.
    private static final Set<String> PUBLIC_PORT = Set.of("shard-worker");
    /** How an implementation of a ticket-authorized RPC shows that it checks the ticket. */
    private static final String TICKET_CHECK = "tickets.authorize";

    private final Repo repo = Repo.locate();
    private final ProtoContracts protos = ProtoContracts.read(repo.root().resolve("proto/src/main/proto"));
    private final ReadmeTables readme = ReadmeTables.parse(repo.read("proto/README.md"));

    @Test
    void everyProtoFileHasALayoutRowWithItsPackage() {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> rows = byKey(readme.rows(LAYOUT), "file", problems);
        for (ProtoFile file : protos.files()) {
            Map<String, String> row = rows.remove(file.name());
            if (row == null) {
                problems.add(file.name() + " has no row");
            } else if (!row.get("package").equals(file.protoPackage())) {
                problems.add(file.name() + ": row says package " + row.get("package") + ", the file "
                        + file.protoPackage());
            }
            if (!file.javaPackage().equals(file.protoPackage())) {
                problems.add(file.name() + ": java_package " + file.javaPackage() + " is not its package "
                        + file.protoPackage() + " (a ce_type would not name its Java class)");
            }
        }
        rows.keySet().forEach(file -> problems.add("row for " + file + ", which is no .proto file"));
        assertNone("layout table vs .proto files", problems);
    }

    @Test
    void everyRpcHasOneRowNamingTheModuleThatServesIt() {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> rows = byKey(readme.rows(RPCS), "rpc", problems);
        compare("RPC", protos.rpcs(), rows.keySet(), "no row", "no such rpc in the .proto files", problems);
        GrpcCode grpc = new GrpcCode(repo);
        rows.forEach((rpc, row) -> {
            if (!protos.rpcs().contains(rpc)) {
                return;
            }
            Set<String> serving = repo.modules().stream()
                    .filter(module -> !grpc.implementations(module, service(rpc)).isEmpty())
                    .collect(Collectors.toCollection(TreeSet::new));
            if (!serving.equals(Set.of(row.get("served by")))) {
                problems.add(rpc + ": served by " + row.get("served by") + ", but a @GrpcService implementing "
                        + service(rpc) + " is in " + (serving.isEmpty() ? "no module" : serving));
            }
        });
        assertNone("gRPC table vs .proto files and @GrpcService classes", problems);
    }

    @Test
    void internalRpcsAllowExactlyTheRolesThatMayCallThem() {
        List<String> problems = new ArrayList<>();
        GrpcCode grpc = new GrpcCode(repo);
        byKey(readme.rows(RPCS), "rpc", problems).forEach((rpc, row) -> {
            String auth = row.get("auth");
            String servedBy = row.get("served by");
            Set<String> mayCall = new TreeSet<>(ReadmeTables.entries(row.get("may call")));
            if (!BY_ROLE.contains(auth) && !auth.equals(SESSION_TICKET)) {
                problems.add(rpc + ": auth is '" + auth + "', none of '" + SERVICE_TOKEN + "', '" + NODE_CREDENTIAL
                        + "', '" + SESSION_TICKET + "'");
                return;
            }
            if (!PUBLIC_PORT.contains(servedBy) && !BY_ROLE.contains(auth)) {
                problems.add(rpc + ": served by the platform's " + servedBy + ", so auth must be one of " + BY_ROLE);
            }
            String method = Character.toLowerCase(method(rpc).charAt(0)) + method(rpc).substring(1);
            for (JavaSource implementation : grpc.implementations(servedBy, service(rpc))) {
                Optional<Set<String>> allowed = GrpcCode.rolesAllowed(implementation, method).map(TreeSet::new);
                if (BY_ROLE.contains(auth) && allowed.isEmpty()) {
                    problems.add(rpc + ": " + implementation.path() + " carries no @RolesAllowed on the class or on "
                            + method + "(); may call says " + mayCall);
                } else if (BY_ROLE.contains(auth) && !allowed.get().equals(mayCall)) {
                    problems.add(rpc + ": " + implementation.path() + " allows " + allowed.get() + ", may call says "
                            + mayCall);
                } else if (auth.equals(SESSION_TICKET) && allowed.isPresent()) {
                    problems.add(rpc + ": auth says " + SESSION_TICKET + ", but " + implementation.path() + " allows "
                            + allowed.get());
                } else if (auth.equals(SESSION_TICKET) && !implementation.text().contains(TICKET_CHECK)) {
                    problems.add(rpc + ": auth says " + SESSION_TICKET + ", but " + implementation.path()
                            + " never calls " + TICKET_CHECK);
                }
            }
        });
        assertNone("gRPC table's may call vs @RolesAllowed", problems);
    }

    @Test
    void everyModuleThatCallsAServiceMayCallIt() {
        List<String> problems = new ArrayList<>();
        List<Map<String, String>> rows = readme.rows(RPCS);
        Set<String> roles = repo.deployables();
        for (Map<String, String> row : rows) {
            for (String role : ReadmeTables.entries(row.get("may call"))) {
                if (!roles.contains(role)) {
                    problems.add(row.get("rpc") + ": may call names " + role + ", which is no deployable module "
                            + roles);
                }
            }
        }
        for (Call call : new GrpcCode(repo).calls()) {
            List<Map<String, String>> ofService = rows.stream()
                    .filter(row -> service(row.get("rpc")).equals(call.service())).toList();
            if (ofService.isEmpty()) {
                problems.add(call.module() + " calls " + call.service() + ", which has no row");
            } else if (ofService.stream()
                    .noneMatch(row -> ReadmeTables.entries(row.get("may call")).contains(call.module()))) {
                problems.add(call.module() + " calls " + call.service() + ", but no row of it names "
                        + call.module() + " in may call");
            }
        }
        assertNone("gRPC table's may call vs @GrpcClient and stub calls", problems);
    }

    @Test
    void topicTableListsTheProducersAndConsumersInCode() {
        KafkaCode kafka = new KafkaCode(repo);
        List<String> problems = new ArrayList<>(kafka.problems());
        Map<String, Map<String, String>> rows = byKey(readme.rows(TOPICS), "topic", problems);
        compare("topic", new TreeSet<>(kafka.topics().values()), rows.keySet(), "no row",
                "not in " + KafkaCode.TOPICS_JAVA, problems);
        Set<String> listedProducers = new TreeSet<>();
        Set<String> listedConsumers = new TreeSet<>();
        rows.forEach((topic, row) -> {
            ReadmeTables.entries(row.get("producers"))
                    .forEach(entry -> listedProducers.add(new Producer(ReadmeTables.module(entry), topic).toString()));
            for (String text : ReadmeTables.entries(row.get("consumers"))) {
                Entry entry = ReadmeTables.consumer(text);
                if (entry.group() == null) {
                    problems.add(topic + ": consumer '" + text + "' should read '<module> (group <group id>)'");
                }
                listedConsumers.add(new Consumer(entry.module(), topic, entry.group()).toString());
            }
        });
        compare("producer", strings(kafka.producers()), listedProducers, "not in the topic table",
                "not found in code", problems);
        compare("consumer", strings(kafka.consumers()), listedConsumers, "not in the topic table",
                "not found in code and config", problems);
        assertNone("topic table vs producers and @Incoming consumers", problems);
    }

    /** Consumers park events whose ce_source is not a producer of the topic: the sources they accept are the table's. */
    @Test
    void theSourcesConsumersAcceptAreTheTopicTablesProducers() {
        KafkaCode kafka = new KafkaCode(repo);
        Map<String, Set<String>> accepted = new TreeMap<>();
        Matcher entries = Pattern.compile("\\b([A-Z][A-Z0-9_]*),\\s*Set\\.of\\(([^)]*)\\)")
                .matcher(repo.read(KafkaCode.TOPICS_JAVA));
        while (entries.find()) {
            Set<String> sources = new TreeSet<>();
            Matcher quoted = Pattern.compile("\"([^\"]+)\"").matcher(entries.group(2));
            while (quoted.find()) {
                sources.add(quoted.group(1));
            }
            accepted.put(kafka.topics().get(entries.group(1)), sources);
        }
        List<String> problems = new ArrayList<>();
        Map<String, Set<String>> listed = new TreeMap<>();
        byKey(readme.rows(TOPICS), "topic", problems).forEach((topic, row) -> listed.put(topic,
                ReadmeTables.entries(row.get("producers")).stream().map(entry -> "/" + ReadmeTables.module(entry))
                        .collect(Collectors.toCollection(TreeSet::new))));
        assertNone("topic table", problems);
        assertEquals(listed, accepted, "Topics.PRODUCERS (the ce_source consumers accept) vs the topic table");
    }

    @Test
    void everyEventHasOneRowOnATopicItsProducerPublishesTo() {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> topics = byKey(readme.rows(TOPICS), "topic", problems);
        Map<String, Map<String, String>> rows = byKey(readme.rows(EVENTS), "ce_type", problems);
        compare("event", protos.events(), rows.keySet(), "no row",
                "no such event (a top-level message of an *_events.proto that no event embeds)", problems);
        rows.forEach((type, row) -> {
            Map<String, String> topic = topics.get(row.get("topic"));
            if (topic == null) {
                problems.add(type + ": topic " + row.get("topic") + " is not in the topic table");
                return;
            }
            List<String> producers = ReadmeTables.entries(topic.get("producers")).stream()
                    .map(ReadmeTables::module).toList();
            for (String entry : ReadmeTables.entries(row.get("producer"))) {
                String producer = ReadmeTables.module(entry);
                if (!producers.contains(producer)) {
                    problems.add(type + ": producer " + producer + " is not a producer of " + row.get("topic")
                            + " in the topic table " + producers);
                } else if (!mentions(producer, simpleName(type))) {
                    problems.add(type + ": producer " + producer + " never names " + simpleName(type)
                            + " in its code");
                }
            }
        });
        assertNone("event table vs *_events.proto and the topic table", problems);
    }

    @Test
    void eventConsumersAreTheModulesThatHandleThem() {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> rows = byKey(readme.rows(EVENTS), "ce_type", problems);
        Set<Route> routes = new KafkaCode(repo).routes();
        for (Route route : routes) {
            Map<String, String> row = rows.get(route.ceType());
            if (row == null) {
                problems.add(route.module() + " handles " + route.ceType() + ", which has no event row");
            } else if (!row.get("topic").equals(route.topic())) {
                problems.add(route.ceType() + ": " + route.module() + " handles it from topic " + route.topic()
                        + ", the row says " + row.get("topic"));
            }
        }
        rows.forEach((type, row) -> {
            Set<String> listed = ReadmeTables.entries(row.get("consumers")).stream().map(ReadmeTables::module)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> handling = routes.stream().filter(route -> route.ceType().equals(type)).map(Route::module)
                    .collect(Collectors.toCollection(TreeSet::new));
            if (!listed.equals(handling)) {
                problems.add(type + ": consumers say " + listed + ", EventHandlers of @Incoming consumers route it in "
                        + handling);
            }
        });
        assertNone("event table's consumers vs EventHandlers routes", problems);
    }

    private boolean mentions(String module, String name) {
        Pattern word = Pattern.compile("\\b" + Pattern.quote(name) + "\\b");
        return repo.javaSources(module).stream().anyMatch(source -> word.matcher(source.text()).find());
    }

    /** The rows by their {@code column}, reporting a value that two rows share. */
    private static Map<String, Map<String, String>> byKey(List<Map<String, String>> rows, String column,
            List<String> problems) {
        Map<String, Map<String, String>> byKey = new LinkedHashMap<>();
        for (Map<String, String> row : rows) {
            if (byKey.putIfAbsent(row.get(column), row) != null) {
                problems.add("two rows for " + column + " " + row.get(column));
            }
        }
        return byKey;
    }

    private static void compare(String what, Set<String> actual, Set<String> listed, String unlisted, String unknown,
            List<String> problems) {
        actual.stream().filter(item -> !listed.contains(item))
                .forEach(item -> problems.add(what + " " + item + ": " + unlisted));
        listed.stream().filter(item -> !actual.contains(item))
                .forEach(item -> problems.add(what + " " + item + ": " + unknown));
    }

    private static Set<String> strings(Collection<?> items) {
        return items.stream().map(Object::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    private static void assertNone(String what, List<String> problems) {
        if (!problems.isEmpty()) {
            fail(what + ": " + problems.size() + " mismatch(es)\n  - " + String.join("\n  - ", problems));
        }
    }

    /** "computepool.billing.v1.HoldService/PlaceHold" is of HoldService. */
    private static String service(String rpc) {
        String qualified = rpc.contains("/") ? rpc.substring(0, rpc.indexOf('/')) : rpc;
        return simpleName(qualified);
    }

    private static String method(String rpc) {
        return rpc.substring(rpc.indexOf('/') + 1);
    }

    private static String simpleName(String qualified) {
        return qualified.substring(qualified.lastIndexOf('.') + 1);
    }
}
