package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CliArgumentsTest {

    @Test
    void startDefaultsToEveryComponent() {
        CliArguments cli = CliArguments.parse("start", "--home", "/tmp/stack", "--env", "/tmp/stack.env");

        assertEquals("start", cli.command());
        assertEquals(Optional.of(Path.of("/tmp/stack")), cli.home());
        assertEquals(Optional.of(Path.of("/tmp/stack.env")), cli.envFile());
        assertEquals(Optional.empty(), cli.logs());
        assertEquals(LocalStack.COMPONENTS, cli.components());
    }

    @Test
    void componentsNarrowTheStart() {
        CliArguments cli = CliArguments.parse("start", "--home", "h", "--components", "redis, postgres");

        assertEquals(List.of("redis", "postgres"), cli.components());
        assertTrue(cli.home().orElseThrow().isAbsolute());
    }

    @Test
    void rejectsAnUnknownComponentNamingTheKnownOnes() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> CliArguments.parse("start", "--home", "h", "--components", "mysql"));

        assertTrue(bad.getMessage().contains("postgres,kafka,redis,keycloak"));
    }

    @Test
    void createDatabaseNeedsTheEnvFileAndAName() {
        CliArguments cli = CliArguments.parse("create-database", "--env", "target/local-stack.env", "--name", "billing");

        assertEquals(Optional.of("billing"), cli.database());
        assertEquals(Optional.empty(), cli.home());
        assertThrows(IllegalArgumentException.class, () -> CliArguments.parse("create-database", "--name", "billing"));
    }

    @Test
    void rejectsMissingHomeUnknownOptionsAndCommands() {
        assertThrows(IllegalArgumentException.class, () -> CliArguments.parse("stop"));
        assertThrows(IllegalArgumentException.class, () -> CliArguments.parse("stop", "--home"));
        assertThrows(IllegalArgumentException.class, () -> CliArguments.parse("stop", "--hme", "h"));
        assertThrows(IllegalArgumentException.class, () -> CliArguments.parse("restart", "--home", "h"));
    }

    @Test
    void badUsageExitsWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = LocalStack.run(new String[] {"launch"}, System.out, new PrintStream(err));

        assertEquals(2, status);
        assertTrue(err.toString().contains("usage:"));
    }
}
