package computepool.localstack.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import computepool.localstack.KafkaLauncher;
import computepool.localstack.LocalStackEnv;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalStackTestResourceTest {

    private static final LocalStackEnv ENV = new LocalStackEnv(Map.ofEntries(
            Map.entry(LocalStackEnv.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:9093"),
            Map.entry(LocalStackEnv.POSTGRES_HOST, "127.0.0.1"),
            Map.entry(LocalStackEnv.POSTGRES_PORT, "5433"),
            Map.entry(LocalStackEnv.POSTGRES_USER, "postgres"),
            Map.entry(LocalStackEnv.POSTGRES_PASSWORD, "pw"),
            Map.entry(LocalStackEnv.REDIS_URL, "redis://127.0.0.1:6380"),
            Map.entry(LocalStackEnv.KEYCLOAK_URL, "http://127.0.0.1:8180"),
            Map.entry(LocalStackEnv.KEYCLOAK_REALM, "computepool"),
            Map.entry(LocalStackEnv.KEYCLOAK_API_CLIENT_ID, "computepool-api"),
            Map.entry(LocalStackEnv.KEYCLOAK_API_CLIENT_SECRET, "s3cret"),
            Map.entry(LocalStackEnv.serviceClientSecretKey("gateway-svc"), "g4teway"),
            Map.entry(KafkaLauncher.passwordKey("billing-svc"), "b1lling")));

    @Test
    void pointsTheServiceAtEveryComponentAndItsDatabase() {
        Map<String, String> config = LocalStackTestResource.overrides(ENV, Optional.of("identity"), Optional.empty(),
                Optional.empty());

        assertEquals("127.0.0.1:9093", config.get("kafka.bootstrap.servers"));
        assertEquals("jdbc:postgresql://127.0.0.1:5433/identity", config.get("quarkus.datasource.jdbc.url"));
        assertEquals("postgresql://127.0.0.1:5433/identity", config.get("quarkus.datasource.reactive.url"));
        assertEquals("postgres", config.get("quarkus.datasource.username"));
        assertEquals("pw", config.get("quarkus.datasource.password"));
        assertEquals("redis://127.0.0.1:6380", config.get("quarkus.redis.hosts"));
        assertEquals("http://127.0.0.1:8180/realms/computepool", config.get("quarkus.oidc.auth-server-url"));
        assertEquals("computepool-api", config.get("quarkus.oidc.client-id"));
        assertEquals("s3cret", config.get("quarkus.oidc.credentials.secret"));
        assertEquals("s3cret", config.get("computepool.test.keycloak_api_client_secret"));
        assertFalse(config.containsKey("quarkus.oidc-client.credentials.secret"));
    }

    @Test
    void givesANamedServiceItsOwnKeycloakClient() {
        Map<String, String> config = LocalStackTestResource.overrides(ENV, Optional.empty(), Optional.of("gateway-svc"),
                Optional.empty());

        assertEquals("http://127.0.0.1:8180/realms/computepool", config.get("quarkus.oidc-client.auth-server-url"));
        assertEquals("gateway-svc", config.get("quarkus.oidc-client.client-id"));
        assertEquals("g4teway", config.get("quarkus.oidc-client.credentials.secret"));
        assertThrows(IllegalStateException.class, () -> ENV.serviceIdentity("billing-svc"));
    }

    @Test
    void logsTheApplicationInToKafkaAsItsOwnBrokerUserAndNoOneWithoutOne() {
        Map<String, String> billing = LocalStackTestResource.overrides(ENV, Optional.empty(), Optional.empty(),
                Optional.of("billing-svc"));
        Map<String, String> stranger = LocalStackTestResource.overrides(ENV, Optional.empty(), Optional.empty(),
                Optional.of("shard-worker"));

        assertEquals("SASL_PLAINTEXT", billing.get("kafka.security.protocol"));
        assertEquals("SCRAM-SHA-512", billing.get("kafka.sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"billing-svc\" "
                + "password=\"b1lling\";", billing.get("kafka.sasl.jaas.config"));
        assertFalse(stranger.containsKey("kafka.sasl.jaas.config"), "a service without a broker user gets no login");
    }

    @Test
    void leavesTheDatasourceAloneWithoutADatabase() {
        Map<String, String> config = LocalStackTestResource.overrides(ENV, Optional.empty(), Optional.empty(),
                Optional.empty());

        assertFalse(config.containsKey("quarkus.datasource.jdbc.url"));
        assertFalse(config.containsKey("quarkus.datasource.username"));
        assertEquals("5433", config.get("computepool.test.postgres_port"));
    }
}
