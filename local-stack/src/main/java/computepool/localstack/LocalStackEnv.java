package computepool.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The addresses and credentials of a running stack, as {@code KEY=value} lines that a shell can source
 * and tests read. {@code ./computepool test} writes it to {@code target/local-stack.env} at the root.
 */
public record LocalStackEnv(Map<String, String> values) {

    /** System property or environment variable naming the env file explicitly. */
    public static final String LOCATION = "COMPUTEPOOL_LOCAL_STACK_ENV";
    public static final Path DEFAULT_FILE = Path.of("target", "local-stack.env");

    public static final String KAFKA_BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
    /** The broker's administrator's password (user {@value KafkaLogin#ADMIN}); services' are under {@link KafkaLauncher#passwordKey}. */
    public static final String BROKER_ADMIN_PASSWORD = "BROKER_ADMIN_PASSWORD";
    public static final String POSTGRES_HOST = "POSTGRES_HOST";
    public static final String POSTGRES_PORT = "POSTGRES_PORT";
    public static final String POSTGRES_USER = "POSTGRES_USER";
    public static final String POSTGRES_PASSWORD = "POSTGRES_PASSWORD";
    public static final String REDIS_URL = "REDIS_URL";
    public static final String REDIS_ADMIN_PASSWORD = "REDIS_ADMIN_PASSWORD";
    public static final String KEYCLOAK_URL = "KEYCLOAK_URL";
    public static final String KEYCLOAK_REALM = "KEYCLOAK_REALM";
    public static final String KEYCLOAK_API_CLIENT_ID = "KEYCLOAK_API_CLIENT_ID";
    public static final String KEYCLOAK_API_CLIENT_SECRET = "KEYCLOAK_API_CLIENT_SECRET";
    public static final String KEYCLOAK_PORTAL_CLIENT_ID = "KEYCLOAK_PORTAL_CLIENT_ID";
    public static final String TEST_DEVELOPER_USERNAME = "TEST_DEVELOPER_USERNAME";
    public static final String TEST_DEVELOPER_PASSWORD = "TEST_DEVELOPER_PASSWORD";
    public static final String TEST_ADMIN_USERNAME = "TEST_ADMIN_USERNAME";
    public static final String TEST_ADMIN_PASSWORD = "TEST_ADMIN_PASSWORD";
    public static final String KEYCLOAK_ADMIN_USERNAME = "KEYCLOAK_ADMIN_USERNAME";
    public static final String KEYCLOAK_ADMIN_PASSWORD = "KEYCLOAK_ADMIN_PASSWORD";
    public static final String API_KEY_PEPPER = "API_KEY_PEPPER";
    public static final String SESSION_TICKET_SIGNING_KEY = "SESSION_TICKET_SIGNING_KEY";
    public static final String SESSION_TICKET_VERIFY_KEY = "SESSION_TICKET_VERIFY_KEY";
    public static final String CHAIN_RPC_URL = "CHAIN_RPC_URL";
    public static final String CHAIN_ID = "CHAIN_ID";
    public static final String CHAIN_TREASURY_PRIVATE_KEY = "CHAIN_TREASURY_PRIVATE_KEY";
    public static final String CHAIN_TREASURY_ADDRESS = "CHAIN_TREASURY_ADDRESS";
    public static final String CHAIN_TOKEN_ADDRESS = "CHAIN_TOKEN_ADDRESS";
    public static final String CHAIN_SUPER_TOKEN_ADDRESS = "CHAIN_SUPER_TOKEN_ADDRESS";
    public static final String SUPERFLUID_HOST_ADDRESS = "SUPERFLUID_HOST_ADDRESS";
    public static final String SUPERFLUID_GDA_FORWARDER_ADDRESS = "SUPERFLUID_GDA_FORWARDER_ADDRESS";
    public static final String SUPERFLUID_CFA_FORWARDER_ADDRESS = "SUPERFLUID_CFA_FORWARDER_ADDRESS";
    public static final String SUPERFLUID_SUPER_TOKEN_FACTORY_ADDRESS = "SUPERFLUID_SUPER_TOKEN_FACTORY_ADDRESS";

    /**
     * Env keys of the chain and the Quarkus keys they become (read by payment-svc's ChainConfig, and by the gateway
     * for the x402 payments it asks for).
     */
    private static final Map<String, String> CHAIN_CONFIG = Map.of(
            CHAIN_RPC_URL, "computepool.chain.rpc-url",
            CHAIN_ID, "computepool.chain.chain-id",
            CHAIN_TREASURY_PRIVATE_KEY, "computepool.chain.treasury-private-key",
            CHAIN_TREASURY_ADDRESS, "computepool.chain.treasury-address",
            CHAIN_TOKEN_ADDRESS, "computepool.chain.token-address",
            CHAIN_SUPER_TOKEN_ADDRESS, "computepool.chain.super-token-address",
            SUPERFLUID_HOST_ADDRESS, "computepool.chain.superfluid.host-address",
            SUPERFLUID_GDA_FORWARDER_ADDRESS, "computepool.chain.superfluid.gda-forwarder-address",
            SUPERFLUID_CFA_FORWARDER_ADDRESS, "computepool.chain.superfluid.cfa-forwarder-address",
            SUPERFLUID_SUPER_TOKEN_FACTORY_ADDRESS, "computepool.chain.superfluid.super-token-factory-address");

    private static final Pattern KEY = Pattern.compile("[A-Z][A-Z0-9_]*");
    /** Values are written unquoted, so they may hold only what a shell takes literally. */
    private static final Pattern PLAIN_VALUE = Pattern.compile("[A-Za-z0-9_./:@,+=-]*");

    public LocalStackEnv {
        values = Map.copyOf(values);
    }

    public static LocalStackEnv read(Path file) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.strip();
                int equals = trimmed.indexOf('=');
                if (trimmed.isEmpty() || trimmed.startsWith("#") || equals < 1) {
                    continue;
                }
                values.put(trimmed.substring(0, equals).strip(), unquote(trimmed.substring(equals + 1).strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local-stack env file " + file, e);
        }
        return new LocalStackEnv(values);
    }

    /**
     * The env file of the running stack: the one named by {@value #LOCATION} (system property, then
     * environment), else the first {@code target/local-stack.env} found from the working directory up to
     * the root of the Maven reactor.
     */
    public static Optional<Path> locate() {
        String explicit = Optional.ofNullable(System.getProperty(LOCATION)).orElse(System.getenv(LOCATION));
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(Path.of(explicit).toAbsolutePath()).filter(Files::isRegularFile);
        }
        return locateFrom(Path.of("").toAbsolutePath());
    }

    static Optional<Path> locateFrom(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DEFAULT_FILE);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
            boolean reactorRoot = Files.isDirectory(dir.resolve(".mvn"));
            boolean parentIsModule = dir.getParent() != null && Files.isRegularFile(dir.getParent().resolve("pom.xml"));
            if (reactorRoot || !parentIsModule) {
                break;
            }
        }
        return Optional.empty();
    }

    public void write(Path file) {
        StringBuilder text = new StringBuilder("# Written by local-stack: addresses and credentials of the running stack.\n");
        values.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            if (!KEY.matcher(entry.getKey()).matches() || !PLAIN_VALUE.matcher(entry.getValue()).matches()) {
                throw new IllegalArgumentException("not shell-safe: " + entry.getKey());
            }
            text.append(entry.getKey()).append('=').append(entry.getValue()).append('\n');
        });
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".local-stack", ".env");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the local-stack env file " + file, e);
        }
    }

    public String require(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalStateException(key + " is not in the local-stack env: was its component started?");
        }
        return value;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String kafkaBootstrapServers() {
        return require(KAFKA_BOOTSTRAP_SERVERS);
    }

    /** The broker's administrator: what tests' own producers and consumers log in as. */
    public KafkaLogin kafkaAdmin() {
        return new KafkaLogin(KafkaLogin.ADMIN, require(BROKER_ADMIN_PASSWORD));
    }

    /** A plain Kafka client's settings, logged in as the broker's administrator. */
    public Map<String, Object> kafkaAdminConfig() {
        return kafkaAdmin().clientConfig(kafkaBootstrapServers());
    }

    /**
     * The Quarkus configuration with which {@code service} logs in to the broker as its own user ({@link KafkaAccess});
     * none for a service without one, which the broker then turns away.
     */
    public Map<String, String> kafkaIdentity(String service) {
        return get(KafkaLauncher.passwordKey(service))
                .map(password -> new KafkaLogin(service, password).quarkusConfig())
                .orElse(Map.of());
    }

    public String postgresHost() {
        return require(POSTGRES_HOST);
    }

    public int postgresPort() {
        return Integer.parseInt(require(POSTGRES_PORT));
    }

    public String postgresUser() {
        return require(POSTGRES_USER);
    }

    public String postgresPassword() {
        return require(POSTGRES_PASSWORD);
    }

    public String jdbcUrl(String database) {
        return PostgresAdmin.jdbcUrl(postgresHost(), postgresPort(), database);
    }

    /** The URL form the reactive (Vert.x) PostgreSQL client takes. */
    public String reactiveUrl(String database) {
        return "postgresql://" + postgresHost() + ":" + postgresPort() + "/" + database;
    }

    public String redisUrl() {
        return require(REDIS_URL);
    }

    public String keycloakUrl() {
        return require(KEYCLOAK_URL);
    }

    /** The issuer of the platform's tokens, which is what quarkus.oidc.auth-server-url takes. */
    public String realmUrl() {
        return keycloakUrl() + "/realms/" + require(KEYCLOAK_REALM);
    }

    /**
     * The Quarkus configuration that points a service at this stack: Kafka, Redis, Keycloak and the chain as far
     * as they run, and the datasource when a database is named. Test resources and journeys share it.
     */
    public Map<String, String> serviceConfig(Optional<String> database) {
        Map<String, String> config = new HashMap<>();
        get(KAFKA_BOOTSTRAP_SERVERS).ifPresent(servers -> config.put("kafka.bootstrap.servers", servers));
        get(REDIS_URL).ifPresent(url -> config.put("quarkus.redis.hosts", url));
        get(API_KEY_PEPPER).ifPresent(pepper -> config.put("computepool.identity.api-key-pepper", pepper));
        // Public: what shard workers check session tickets with.
        get(SESSION_TICKET_VERIFY_KEY).ifPresent(key -> config.put("computepool.shard.ticket.verify-keys", key));
        CHAIN_CONFIG.forEach((key, property) -> get(key).ifPresent(value -> config.put(property, value)));
        if (get(KEYCLOAK_URL).isPresent()) {
            config.put("quarkus.oidc.auth-server-url", realmUrl());
            config.put("quarkus.oidc.client-id", require(KEYCLOAK_API_CLIENT_ID));
            config.put("quarkus.oidc.credentials.secret", require(KEYCLOAK_API_CLIENT_SECRET));
        }
        database.ifPresent(name -> {
            config.put("quarkus.datasource.jdbc.url", jdbcUrl(name));
            config.put("quarkus.datasource.reactive.url", reactiveUrl(name));
            config.put("quarkus.datasource.username", postgresUser());
            config.put("quarkus.datasource.password", postgresPassword());
        });
        return config;
    }

    /** The env key holding the password of a service's own Redis user ({@link RedisLauncher#SERVICE_USERS}). */
    public static String redisPasswordKey(String service) {
        return "REDIS_" + KeycloakLauncher.envName(service) + "_PASSWORD";
    }

    /** The env key holding the secret of a service's own Keycloak client ({@link KeycloakLauncher#SERVICE_CLIENTS}). */
    public static String serviceClientSecretKey(String service) {
        return "KEYCLOAK_" + KeycloakLauncher.envName(service) + "_CLIENT_SECRET";
    }

    /** The client id Keycloak's broker {@code alias} presents to its provider (a local server in tests). */
    public static String brokerClientIdKey(String alias) {
        return "KEYCLOAK_BROKER_" + KeycloakLauncher.envName(alias) + "_CLIENT_ID";
    }

    /** The client secret Keycloak's broker {@code alias} presents to its provider. */
    public static String brokerClientSecretKey(String alias) {
        return "KEYCLOAK_BROKER_" + KeycloakLauncher.envName(alias) + "_CLIENT_SECRET";
    }

    /**
     * The Quarkus configuration with which {@code service} fetches its own service token (quarkus-oidc-client,
     * client-credentials grant) for its calls to the platform's internal gRPC services, and its own Redis user where
     * it has one; for the gateway, also the key it signs session tickets with.
     */
    public Map<String, String> serviceIdentity(String service) {
        Map<String, String> config = new HashMap<>(Map.of(
                "quarkus.oidc-client.auth-server-url", realmUrl(),
                "quarkus.oidc-client.client-id", service,
                "quarkus.oidc-client.credentials.secret", require(serviceClientSecretKey(service))));
        if (service.equals("gateway-svc")) {
            // The key session tickets are signed with: the gateways' alone.
            get(SESSION_TICKET_SIGNING_KEY).ifPresent(key -> config.put("computepool.gateway.ticket.signing-key", key));
        }
        get(redisPasswordKey(service)).ifPresent(password -> config.put("quarkus.redis.hosts",
                "redis://" + service + ":" + password + "@" + redisUrl().substring("redis://".length())));
        return config;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'")
                || value.startsWith("\"") && value.endsWith("\""))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }
}
