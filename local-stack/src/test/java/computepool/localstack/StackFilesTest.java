package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackFilesTest {

    @TempDir
    Path dir;

    @Test
    void secretsAreGeneratedOnceAndKeptPrivate() throws IOException {
        Path file = dir.resolve("home/secrets.properties");

        StackSecrets first = StackSecrets.loadOrCreate(file);
        StackSecrets second = StackSecrets.loadOrCreate(file);

        assertEquals(first, second);
        assertNotEquals(first.developerPassword(), first.adminPassword());
        assertTrue(first.apiClientSecret().matches("[A-Za-z0-9_-]{24}"));
        assertTrue(first.serviceClientSecret("gateway-svc").matches("[A-Za-z0-9_-]{24}"));
        assertNotEquals(first.apiClientSecret(), first.serviceClientSecret("gateway-svc"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void stateReadsBackWhatWasWritten() throws IOException {
        Path file = dir.resolve("state.properties");
        StackState state = new StackState(List.of(
                new StackState.Entry("postgres", new ProcessTree(41, 1_700_000_000_000L), "127.0.0.1:5433", "INT"),
                new StackState.Entry("keycloak", new ProcessTree(42, 1_700_000_000_001L), "http://127.0.0.1:8180", "TERM")),
                Optional.of(dir.resolve("local-stack.env")));

        state.write(file);

        assertEquals(Optional.of(state), StackState.read(file));
        assertEquals(Optional.empty(), StackState.read(dir.resolve("absent.properties")));
    }

    @Test
    void logTailKeepsTheLastLines() throws IOException {
        Path log = dir.resolve("component.log");
        Files.writeString(log, "one\ntwo\nthree\nfour\n");

        assertEquals("three" + System.lineSeparator() + "four", LogTail.of(log, 2));
        assertTrue(LogTail.of(dir.resolve("missing.log")).contains("no log at"));
    }
}
