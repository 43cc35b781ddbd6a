package computepool.sandbox.domain;

import static computepool.sandbox.domain.SandboxState.FAILED;
import static computepool.sandbox.domain.SandboxState.PENDING;
import static computepool.sandbox.domain.SandboxState.RUNNING;
import static computepool.sandbox.domain.SandboxState.STOPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SandboxStateTest {

    @Test
    void aPendingSandboxStartsOrIsStopped() {
        assertEquals(EnumSet.of(RUNNING, STOPPED), PENDING.next());
    }

    @Test
    void aRunningSandboxStopsOrFails() {
        assertEquals(EnumSet.of(STOPPED, FAILED), RUNNING.next());
    }

    @Test
    void stoppedAndFailedAreFinal() {
        assertTrue(STOPPED.isFinal());
        assertTrue(FAILED.isFinal());
        assertFalse(PENDING.isFinal());
        assertFalse(RUNNING.isFinal());
    }

    @Test
    void noOtherTransitionIsAllowed() {
        Set<String> allowed = Set.of("PENDING>RUNNING", "PENDING>STOPPED", "RUNNING>STOPPED", "RUNNING>FAILED");
        for (SandboxState from : SandboxState.values()) {
            for (SandboxState to : SandboxState.values()) {
                assertEquals(allowed.contains(from + ">" + to), from.canMoveTo(to), from + " -> " + to);
            }
        }
    }
}
