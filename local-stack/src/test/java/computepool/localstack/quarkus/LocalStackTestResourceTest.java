package computepool.localstack.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import computepool.localstack.LocalStackEnv;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalStackTestResourceTest {

    private static final LocalStackEnv ENV = new LocalStackEnv(Map.of(
            LocalStackEnv.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:9093",
            LocalStackEnv.POSTGRES_HOST, "127.0.0.1",
            LocalStackEnv.POSTGRES_PORT, "5433",
            LocalStackEnv.POSTGRES_USER, "postgres",
            LocalStackEnv.POSTGRES_PASSWORD, "pw",
            LocalStackEnv.REDIS_URL, "redis://127.0.0.1:6380",
            LocalStackEnv.KEYCLOAK_URL, "http://127.0.0.1:8180",
            LocalStackEnv.KEYCLOAK_REALM, "computepool",
            LocalStackEnv.KEYCLOAK_API_CLIENT_ID, "computepool-api",
            LocalStackEnv.KEYCLOAK_API_CLIENT_SECRET, "s3cret"));

    @Test
    void pointsTheServiceAtEveryComponentAndItsDatabase() {
        Map<String, String> config = LocalStackTestResource.overrides(ENV, Optional.of("identity"));

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
    }

    @Test
    void leavesTheDatasourceAloneWithoutADatabase() {
        Map<String, String> config = LocalStackTestResource.overrides(ENV, Optional.empty());

        assertFalse(config.containsKey("quarkus.datasource.jdbc.url"));
        assertFalse(config.containsKey("quarkus.datasource.username"));
        assertEquals("5433", config.get("computepool.test.postgres_port"));
    }
}
