package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole stack through the command line, as {@code ./computepool} runs it. The home stays under target
 * between runs, so only the first run pays for Keycloak's realm import.
 */
class LocalStackIT {

    private static final Path HOME = Path.of("target", "it-stack").toAbsolutePath();
    private static final Path ENV_FILE = Path.of("target", "it-stack.env").toAbsolutePath();

    private static LocalStackEnv env;
    private static StackState state;

    @BeforeAll
    static void startStack() throws IOException {
        CliResult started = cli("start", "--home", HOME.toString(), "--env", ENV_FILE.toString());
        assertEquals(0, started.status(), started.output());
        env = LocalStackEnv.read(ENV_FILE);
        state = StackState.read(new StackHome(HOME).state()).orElseThrow();
    }

    @AfterAll
    static void stopStack() throws IOException {
        CliResult stopped = cli("stop", "--home", HOME.toString());

        assertEquals(0, stopped.status(), stopped.output());
        for (StackState.Entry entry : state.components()) {
            assertFalse(entry.process().isAlive(), entry.name() + " still runs after stop");
        }
        assertFalse(Files.exists(ENV_FILE));
        assertFalse(Files.exists(new StackHome(HOME).state()));
        assertEquals(0, cli("stop", "--home", HOME.toString()).status(), "stop with nothing running");
    }

    @Test
    void printsTheStartTimeOfEveryComponentAndReportsThemRunning() {
        CliResult status = cli("status", "--home", HOME.toString());

        assertEquals(0, status.status(), status.output());
        for (String component : LocalStack.COMPONENTS) {
            assertTrue(status.output().lines().anyMatch(line -> line.startsWith(component) && line.contains("running")),
                    status.output());
        }
        assertEquals(LocalStack.COMPONENTS.size(), state.components().size());
    }

    @Test
    void postgresAnswersQueriesAndCreatesDatabasesIdempotently() throws SQLException {
        PostgresAdmin admin = PostgresAdmin.forEnv(env);

        admin.createDatabase("it_orders");
        admin.createDatabase("it_orders");

        try (Connection connection = admin.connect("it_orders");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS probe (id int)");
            try (ResultSet rows = statement.executeQuery("SELECT current_database(), version()")) {
                assertTrue(rows.next());
                assertEquals("it_orders", rows.getString(1));
                assertTrue(rows.getString(2).startsWith("PostgreSQL 17"), rows.getString(2));
            }
        }
    }

    @Test
    void cliCreatesADatabaseForAScript() throws SQLException {
        CliResult created = cli("create-database", "--env", ENV_FILE.toString(), "--name", "it_script");

        assertEquals(0, created.status(), created.output());
        try (Connection connection = PostgresAdmin.forEnv(env).connect("it_script")) {
            assertTrue(connection.isValid(5));
        }
        assertEquals(1, cli("create-database", "--env", ENV_FILE.toString(), "--name", "bad-name").status());
    }

    @Test
    void kafkaHasThePlatformTopicsAndDeliversARecord() throws Exception {
        try (Admin admin = Admin.create(env.kafkaAdminConfig())) {
            assertTrue(admin.listTopics().names().get().containsAll(KafkaTopics.PLATFORM));
        }
        String value = "probe-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = producer(env.kafkaAdminConfig())) {
            producer.send(new ProducerRecord<>("usage", "it", value)).get();
        }
        try (KafkaConsumer<String, String> consumer = consumer(env.kafkaAdminConfig(), "it-" + UUID.randomUUID())) {
            consumer.subscribe(List.of("usage"));
            assertTrue(receives(consumer, value), "the produced record never came back");
        }
    }

    @Test
    void kafkaLetsInOnlyItsUsersAndEachServiceOnlyToItsTopicsAndGroups() throws Exception {
        Map<String, Object> anonymous = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        Map<String, Object> guessed = new KafkaLogin("billing-svc", "guessed").clientConfig(env.kafkaBootstrapServers());
        Map<String, Object> gateway = login("gateway-svc");
        Map<String, Object> billing = login("billing-svc");

        assertFalse(KafkaTopics.canLogIn(anonymous), "a connection without a login is turned away");
        ExecutionException wrongPassword = assertThrows(ExecutionException.class, () -> send(guessed, "billing"));
        assertInstanceOf(SaslAuthenticationException.class, wrongPassword.getCause());
        ExecutionException notItsTopic = assertThrows(ExecutionException.class, () -> send(gateway, "billing"));
        assertInstanceOf(TopicAuthorizationException.class, notItsTopic.getCause());
        send(gateway, "usage");

        String value = "probe-" + UUID.randomUUID();
        send(env.kafkaAdminConfig(), "identity", value);
        try (KafkaConsumer<String, String> own = consumer(billing, "billing-it-" + UUID.randomUUID())) {
            own.subscribe(List.of("identity"));
            assertTrue(receives(own, value), "billing reads identity in a group of its own");
        }
        try (KafkaConsumer<String, String> others = consumer(billing, "market-it-" + UUID.randomUUID())) {
            others.subscribe(List.of("identity"));
            assertThrows(GroupAuthorizationException.class, () -> others.poll(Duration.ofSeconds(10)));
        }
        try (KafkaConsumer<String, String> unread = consumer(billing, "billing-it-" + UUID.randomUUID())) {
            unread.subscribe(List.of("workers"));
            assertThrows(TopicAuthorizationException.class, () -> unread.poll(Duration.ofSeconds(10)));
        }
        try (Admin asBilling = Admin.create(billing)) {
            ExecutionException create = assertThrows(ExecutionException.class, () -> asBilling.createTopics(
                    List.of(new NewTopic("usage-made-by-billing", 1, (short) 1))).all().get());
            assertInstanceOf(TopicAuthorizationException.class, create.getCause());
        }
    }

    private Map<String, Object> login(String service) {
        return new KafkaLogin(service, env.require(KafkaLauncher.passwordKey(service)))
                .clientConfig(env.kafkaBootstrapServers());
    }

    private static void send(Map<String, Object> config, String topic) throws Exception {
        send(config, topic, "probe-" + UUID.randomUUID());
    }

    private static void send(Map<String, Object> config, String topic, String value) throws Exception {
        Map<String, Object> quick = new HashMap<>(config);
        quick.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = producer(quick)) {
            producer.send(new ProducerRecord<>(topic, "it", value)).get();
        }
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(Map<String, Object> config, String group) {
        Map<String, Object> consumer = new HashMap<>(config);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer());
    }

    private static boolean receives(KafkaConsumer<String, String> consumer, String value) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                if (value.equals(record.value())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void redisLetsInOnlyItsUsersAndEachServiceOnlyToItsKeys() throws IOException {
        String hostPort = env.redisUrl().substring("redis://".length());
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        String gateway = env.require(LocalStackEnv.redisPasswordKey("gateway-svc"));

        assertTrue(RedisLauncher.ping(host, port, RedisLauncher.ADMIN, env.require(LocalStackEnv.REDIS_ADMIN_PASSWORD)));
        List<String> anonymous = RedisLauncher.send(host, port, List.of(List.of("SET", "ratelimit:x:requests", "0")));
        assertTrue(anonymous.getFirst().startsWith("-NOAUTH"), anonymous.toString());
        List<String> guessed = RedisLauncher.send(host, port, List.of(List.of("AUTH", "gateway-svc", "guessed")));
        assertTrue(guessed.getFirst().startsWith("-WRONGPASS"), guessed.toString());
        List<String> asGateway = RedisLauncher.send(host, port, List.of(List.of("AUTH", "gateway-svc", gateway),
                List.of("SET", "ratelimit:it:requests", "1"), List.of("SET", "other:key", "1"),
                List.of("CONFIG", "GET", "requirepass")));
        assertEquals("+OK", asGateway.get(1), "the gateway writes its own keys");
        assertTrue(asGateway.get(2).startsWith("-NOPERM"), "and no others: " + asGateway);
        assertTrue(asGateway.get(3).startsWith("-NOPERM"), "nor administers Redis: " + asGateway);
    }

    @Test
    void keycloakIssuesTokensForTheTestUsersWithAudienceAndRoles() {
        KeycloakTokens tokens = KeycloakTokens.forEnv(env);
        String developer = payload(tokens.passwordGrant(env.require(LocalStackEnv.TEST_DEVELOPER_USERNAME),
                env.require(LocalStackEnv.TEST_DEVELOPER_PASSWORD)));
        String admin = payload(tokens.passwordGrant(env.require(LocalStackEnv.TEST_ADMIN_USERNAME),
                env.require(LocalStackEnv.TEST_ADMIN_PASSWORD)));

        assertTrue(developer.contains("\"preferred_username\":\"dev\""), developer);
        assertTrue(developer.contains("\"email\":\"dev@computepool.test\""), developer);
        assertTrue(developer.contains("\"aud\":\"computepool-api\"") || developer.contains("\"computepool-api\""),
                developer);
        assertTrue(developer.contains("\"developer\""), developer);
        assertFalse(developer.contains("\"admin\""), developer);
        assertTrue(admin.contains("\"preferred_username\":\"admin\""), admin);
        assertTrue(admin.contains("\"admin\"") && admin.contains("\"developer\""), admin);
    }

    @Test
    void quarkusTestResourceCreatesTheServicesDatabaseAndPointsAtIt() throws SQLException {
        LocalStackTestResource resource = new LocalStackTestResource();
        resource.init(Map.of(LocalStackTestResource.DATABASE, "it_resource"));
        System.setProperty(LocalStackEnv.LOCATION, ENV_FILE.toString());
        Map<String, String> config;
        try {
            config = resource.start();
        } finally {
            System.clearProperty(LocalStackEnv.LOCATION);
        }

        assertEquals(env.jdbcUrl("it_resource"), config.get("quarkus.datasource.jdbc.url"));
        assertEquals(env.realmUrl(), config.get("quarkus.oidc.auth-server-url"));
        assertEquals(env.require(LocalStackEnv.TEST_DEVELOPER_PASSWORD), config.get("computepool.test.test_developer_password"));
        try (Connection connection = PostgresAdmin.forEnv(env).connect("it_resource")) {
            assertTrue(connection.isValid(5));
        }
    }

    @Test
    void chainRunsTheTokenItsSuperTokenAndSuperfluidWithAFundedTreasury() throws Exception {
        String token = env.require(LocalStackEnv.CHAIN_TOKEN_ADDRESS);
        String superToken = env.require(LocalStackEnv.CHAIN_SUPER_TOKEN_ADDRESS);
        String treasury = env.require(LocalStackEnv.CHAIN_TREASURY_ADDRESS);

        assertEquals(ChainLauncher.CHAIN_ID, Long.parseLong(env.require(LocalStackEnv.CHAIN_ID)));
        assertEquals(BigInteger.valueOf(ChainLauncher.CHAIN_ID), quantity(rpc("eth_chainId", "[]")));
        assertEquals(BigInteger.valueOf(6), quantity(ethCall(token, DECIMALS)));
        assertEquals(BigInteger.valueOf(18), quantity(ethCall(superToken, DECIMALS)));
        assertEquals(word(token), ethCall(superToken, GET_UNDERLYING_TOKEN));
        assertEquals(word(treasury), ethCall(token, OWNER));
        for (String key : List.of(LocalStackEnv.SUPERFLUID_HOST_ADDRESS, LocalStackEnv.SUPERFLUID_GDA_FORWARDER_ADDRESS,
                LocalStackEnv.SUPERFLUID_CFA_FORWARDER_ADDRESS, LocalStackEnv.SUPERFLUID_SUPER_TOKEN_FACTORY_ADDRESS)) {
            assertTrue(rpc("eth_getCode", "[\"" + env.require(key) + "\",\"latest\"]").length() > 2, key + " has no code");
        }
        // 10^9 tokens of 6 decimals minted, 10^8 of them wrapped: what the super token holds is what it issued.
        BigInteger wrapped = quantity(ethCall(token, BALANCE_OF + word(superToken).substring(2)));
        assertEquals(new BigInteger("900000000000000"), quantity(ethCall(token, BALANCE_OF + word(treasury).substring(2))));
        assertEquals(new BigInteger("100000000000000"), wrapped);
        assertEquals(wrapped.multiply(BigInteger.TEN.pow(12)),
                quantity(ethCall(superToken, BALANCE_OF + word(treasury).substring(2))));
        assertTrue(quantity(rpc("eth_getBalance", "[\"" + treasury + "\",\"latest\"]")).signum() > 0,
                "the treasury has no gas");
    }

    // Function selectors: the first 4 bytes of keccak256 of each signature.
    private static final String DECIMALS = "0x313ce567";
    private static final String BALANCE_OF = "0x70a08231";
    private static final String GET_UNDERLYING_TOKEN = "0xee719bc8";
    private static final String OWNER = "0x8da5cb5b";

    private static String ethCall(String to, String data) throws IOException, InterruptedException {
        return rpc("eth_call", "[{\"to\":\"" + to + "\",\"data\":\"" + data + "\"},\"latest\"]");
    }

    private static String rpc(String method, String params) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(env.require(LocalStackEnv.CHAIN_RPC_URL)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}"))
                .build();
        String body;
        try (HttpClient http = HttpClient.newHttpClient()) {
            body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        }
        Matcher result = Pattern.compile("\"result\":\"(0x[0-9a-fA-F]*)\"").matcher(body);
        assertTrue(result.find(), method + " answered " + body);
        return result.group(1);
    }

    private static BigInteger quantity(String hex) {
        return new BigInteger(hex.substring(2), 16);
    }

    /** An address as one 32-byte ABI word, the way eth_call returns it. */
    private static String word(String address) {
        return "0x" + "0".repeat(24) + address.substring(2).toLowerCase(Locale.ROOT);
    }

    private static String payload(String jwt) {
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length, "not a JWT: " + jwt);
        return new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    }

    private record CliResult(int status, String output) {
    }

    private static CliResult cli(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = LocalStack.run(args, both, both);
        String output = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(output);
        return new CliResult(status, output);
    }
}
