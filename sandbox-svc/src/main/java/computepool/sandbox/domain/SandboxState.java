package computepool.sandbox.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a sandbox. It waits in PENDING until a runtime is provisioned, then RUNNING; it ends
 * STOPPED (asked to, or timed out) or FAILED (the runtime broke). The two ends are final.
 */
public enum SandboxState {
    PENDING,
    RUNNING,
    STOPPED,
    FAILED;

    /** The states this one may move to. */
    public Set<SandboxState> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(RUNNING, STOPPED);
            case RUNNING -> EnumSet.of(STOPPED, FAILED);
            case STOPPED, FAILED -> EnumSet.noneOf(SandboxState.class);
        };
    }

    public boolean canMoveTo(SandboxState target) {
        return next().contains(target);
    }

    public boolean isFinal() {
        return next().isEmpty();
    }
}
