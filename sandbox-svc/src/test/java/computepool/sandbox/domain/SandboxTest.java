package computepool.sandbox.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SandboxTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant T1 = T0.plusSeconds(60);
    private static final Instant T2 = T1.plusSeconds(60);

    private static Sandbox fresh() {
        return Sandbox.requested("dev", SandboxRuntime.PYTHON_3_12, new SandboxLimits(500, 512, 600), T0);
    }

    @Test
    void aRequestedSandboxIsPending() {
        Sandbox sandbox = fresh();
        assertEquals(SandboxState.PENDING, sandbox.state());
        assertEquals(T0, sandbox.createdAt());
        assertEquals(T0, sandbox.updatedAt());
    }

    @Test
    void stoppingAPendingOrRunningSandboxStopsIt() {
        Sandbox stopped = fresh().stopped(T1);
        assertEquals(SandboxState.STOPPED, stopped.state());
        assertEquals(T1, stopped.updatedAt());
        assertEquals(SandboxState.STOPPED, fresh().movedTo(SandboxState.RUNNING, T1).stopped(T2).state());
    }

    @Test
    void stoppingTwiceChangesNothing() {
        Sandbox stopped = fresh().stopped(T1);
        assertSame(stopped, stopped.stopped(T2));
    }

    @Test
    void aFailedSandboxCannotBeStopped() {
        Sandbox failed = fresh().movedTo(SandboxState.RUNNING, T1).movedTo(SandboxState.FAILED, T2);
        IllegalTransition e = assertThrows(IllegalTransition.class, () -> failed.stopped(T2));
        assertEquals(SandboxState.FAILED, e.from());
        assertEquals(SandboxState.STOPPED, e.to());
    }

    @Test
    void aPendingSandboxCannotFail() {
        assertThrows(IllegalTransition.class, () -> fresh().movedTo(SandboxState.FAILED, T1));
        assertThrows(IllegalTransition.class, () -> fresh().movedTo(SandboxState.PENDING, T1));
    }

    @Test
    void limitsAreBounded() {
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(99, 512, 600));
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(8001, 512, 600));
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(500, 63, 600));
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(500, 32769, 600));
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(500, 512, 0));
        assertThrows(IllegalArgumentException.class, () -> new SandboxLimits(500, 512, 86401));
        assertEquals(8000, new SandboxLimits(8000, 32768, 86400).cpuMillis());
        assertEquals(64, new SandboxLimits(100, 64, 1).memoryMb());
    }

    @Test
    void runtimesAreKnownByWireName() {
        assertEquals(SandboxRuntime.PYTHON_3_12, SandboxRuntime.named("python3.12").orElseThrow());
        assertEquals(SandboxRuntime.BASH, SandboxRuntime.named("bash").orElseThrow());
        assertTrue(SandboxRuntime.named("python3x12").isEmpty());
        assertEquals(Arrays.stream(SandboxRuntime.values()).map(r -> r.wireName().replace(".", "\\."))
                .collect(Collectors.joining("|")), SandboxRuntime.NAMES);
    }
}
