package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesTest {

    @TempDir
    Path dir;

    @Test
    void processThatExitsEarlyIsReportedWithItsLog() {
        ChildProcess process = ChildProcess.start("broken", List.of("sh", "-c", "echo 'FATAL: port taken'; exit 3"),
                Map.of(), dir, dir.resolve("logs/broken.log"));

        ComponentFailure failure = assertThrows(ComponentFailure.class,
                () -> process.awaitReady(() -> false, Duration.ofSeconds(10), "TERM"));

        assertTrue(failure.getMessage().contains("exited with code 3"), failure.getMessage());
        assertTrue(failure.logTail().contains("FATAL: port taken"), failure.logTail());
    }

    @Test
    void processNeverReadyIsStoppedAfterTheTimeout() {
        ChildProcess process = ChildProcess.start("slow", List.of("sleep", "60"), Map.of(), dir,
                dir.resolve("slow.log"));

        ComponentFailure failure = assertThrows(ComponentFailure.class,
                () -> process.awaitReady(() -> false, Duration.ofMillis(500), "TERM"));

        assertTrue(failure.getMessage().contains("not ready within"), failure.getMessage());
        assertFalse(process.tree().isAlive());
    }

    @Test
    void stopReachesChildrenOfTheProcess() throws InterruptedException {
        ChildProcess process = ChildProcess.start("parent", List.of("sh", "-c", "sleep 60 & wait"), Map.of(), dir,
                dir.resolve("parent.log"));
        process.awaitReady(() -> process.tree().handle().orElseThrow().children().findAny().isPresent(),
                Duration.ofSeconds(10), "TERM");
        ProcessTree child = ProcessTree.of(process.tree().handle().orElseThrow().children().findFirst().orElseThrow());

        boolean graceful = process.tree().stop("TERM", Duration.ofSeconds(5));

        assertTrue(graceful);
        assertFalse(process.tree().isAlive());
        assertFalse(child.isAlive());
    }

    @Test
    void processIgnoringTheSignalIsKilledAfterTheGracePeriod() throws InterruptedException {
        ChildProcess process = ChildProcess.start("stubborn", List.of("sh", "-c", "trap '' TERM; echo up; sleep 60"),
                Map.of(), dir, dir.resolve("stubborn.log"));
        process.awaitReady(() -> LogTail.of(process.log()).contains("up"), Duration.ofSeconds(10), "TERM");

        boolean graceful = process.tree().stop("TERM", Duration.ofMillis(500));

        assertFalse(graceful);
        assertFalse(process.tree().isAlive());
    }

    @Test
    void recycledPidIsNotMistakenForTheRecordedProcess() {
        ProcessTree self = ProcessTree.of(ProcessHandle.current());

        assertTrue(self.isAlive());
        assertFalse(new ProcessTree(self.pid(), self.startedAtMillis() - 1_000).isAlive());
    }
}
