package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.kafkaBootstrapServers()))) {
            assertTrue(admin.listTopics().names().get().containsAll(KafkaTopics.PLATFORM));
        }
        String value = "probe-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>("usage", "it", value)).get();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of("usage"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            boolean found = false;
            while (!found && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    found |= value.equals(record.value());
                }
            }
            assertTrue(found, "the produced record never came back");
        }
    }

    @Test
    void redisAnswersPing() throws IOException {
        String hostPort = env.redisUrl().substring("redis://".length());
        int colon = hostPort.lastIndexOf(':');

        assertTrue(RedisLauncher.ping(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
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
