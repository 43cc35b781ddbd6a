package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A component that cannot start is reported with the reason from its own log, and nothing is left running. */
class ComponentFailureIT {

    @TempDir
    Path dir;

    @Test
    void redisOnAPortAlreadyBoundIsReportedWithItsLogTail() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RedisLauncher redis = new RedisLauncher(RedisLauncher.findBinary(), taken::getLocalPort,
                    StackSecrets.loadOrCreate(dir.resolve("secrets.properties")));

            ComponentFailure failure = assertThrows(ComponentFailure.class,
                    () -> redis.start(new StackHome(dir), dir.resolve("logs")));

            assertTrue(failure.getMessage().startsWith("redis: exited with code"), failure.getMessage());
            assertTrue(failure.logTail().contains("Address already in use"), failure.logTail());
        }
    }

    @Test
    void missingBinaryIsReportedWithHowToInstallIt() throws IOException {
        RedisLauncher redis = new RedisLauncher(dir.resolve("no-such-redis-server"), new PortAllocator()::next,
                StackSecrets.loadOrCreate(dir.resolve("secrets.properties")));

        ComponentFailure failure = assertThrows(ComponentFailure.class,
                () -> redis.start(new StackHome(dir), dir.resolve("logs")));

        assertTrue(failure.getMessage().contains("apt-get install redis-server"), failure.getMessage());
    }

    @Test
    void cliStartExitsNonZeroWithTheLogTailAndRecordsNothing() throws IOException, InterruptedException {
        Path home = Path.of("target", "failing-stack").toAbsolutePath();
        Installation.deleteRecursively(home);
        Path data = PostgresLauncher.dataRoot(new StackHome(home), PostgresAccount.current()).resolve("data");
        Installation.deleteRecursively(data);
        // A data directory that claims a cluster but holds none: initdb is skipped and postgres gives up.
        Files.createDirectories(data);
        Files.writeString(data.resolve("PG_VERSION"), "9.6\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status;
        try {
            status = LocalStack.run(new String[] {"start", "--home", home.toString(), "--components", "postgres"},
                    System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        } finally {
            LocalStack.run(new String[] {"stop", "--home", home.toString()}, System.out, System.err);
        }

        String report = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, report);
        assertTrue(report.contains("postgres: exited with code"), report);
        assertTrue(report.contains("--- last lines of " + home.resolve("logs/postgres.log")), report);
        assertTrue(report.contains("postgresql.conf"), report);
        assertFalse(Files.exists(new StackHome(home).state()));
    }
}
