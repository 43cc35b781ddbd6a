package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackEnvTest {

    @TempDir
    Path dir;

    @Test
    void writtenFileReadsBackAndIsShellAssignments() throws IOException {
        LocalStackEnv env = new LocalStackEnv(Map.of(
                LocalStackEnv.POSTGRES_HOST, "127.0.0.1",
                LocalStackEnv.POSTGRES_PORT, "5433",
                LocalStackEnv.KEYCLOAK_URL, "http://127.0.0.1:8180"));
        Path file = dir.resolve("target/local-stack.env");

        env.write(file);

        assertEquals(env, LocalStackEnv.read(file));
        assertTrue(Files.readAllLines(file).contains("POSTGRES_PORT=5433"));
    }

    @Test
    void readsQuotedValuesAndSkipsComments() throws IOException {
        Path file = dir.resolve("hand-written.env");
        Files.writeString(file, "# comment\n\nREDIS_URL='redis://127.0.0.1:6380'\nKEYCLOAK_REALM=\"computepool\"\n");

        LocalStackEnv env = LocalStackEnv.read(file);

        assertEquals("redis://127.0.0.1:6380", env.redisUrl());
        assertEquals(Optional.of("computepool"), env.get(LocalStackEnv.KEYCLOAK_REALM));
    }

    @Test
    void refusesValuesAShellWouldInterpret() {
        LocalStackEnv env = new LocalStackEnv(Map.of("POSTGRES_PASSWORD", "a b$c"));

        assertThrows(IllegalArgumentException.class, () -> env.write(dir.resolve("unsafe.env")));
    }

    @Test
    void derivesClientUrls() {
        LocalStackEnv env = new LocalStackEnv(Map.of(
                LocalStackEnv.POSTGRES_HOST, "127.0.0.1",
                LocalStackEnv.POSTGRES_PORT, "5433",
                LocalStackEnv.KEYCLOAK_URL, "http://127.0.0.1:8180",
                LocalStackEnv.KEYCLOAK_REALM, "computepool"));

        assertEquals("jdbc:postgresql://127.0.0.1:5433/billing", env.jdbcUrl("billing"));
        assertEquals("postgresql://127.0.0.1:5433/billing", env.reactiveUrl("billing"));
        assertEquals("http://127.0.0.1:8180/realms/computepool", env.realmUrl());
    }

    @Test
    void missingKeyNamesTheKey() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> new LocalStackEnv(Map.of()).kafkaBootstrapServers());

        assertTrue(missing.getMessage().contains(LocalStackEnv.KAFKA_BOOTSTRAP_SERVERS));
    }

    @Test
    void locatesTheReactorRootsFileFromAModule() throws IOException {
        Path root = dir.resolve("repo");
        Path module = root.resolve("billing-svc");
        Files.createDirectories(root.resolve(".mvn"));
        Files.createDirectories(module);
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.writeString(module.resolve("pom.xml"), "<project/>");
        new LocalStackEnv(Map.of(LocalStackEnv.REDIS_URL, "redis://127.0.0.1:1")).write(root.resolve("target/local-stack.env"));

        assertEquals(Optional.of(root.resolve("target/local-stack.env")), LocalStackEnv.locateFrom(module));
    }

    @Test
    void stopsLookingAtTheReactorRoot() throws IOException {
        Path outside = dir.resolve("outside");
        Path root = outside.resolve("repo");
        Files.createDirectories(root.resolve(".mvn"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.writeString(outside.resolve("pom.xml"), "<project/>");
        new LocalStackEnv(Map.of()).write(outside.resolve("target/local-stack.env"));

        assertEquals(Optional.empty(), LocalStackEnv.locateFrom(root));
    }
}
