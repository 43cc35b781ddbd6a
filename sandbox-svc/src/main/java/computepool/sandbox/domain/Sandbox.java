package computepool.sandbox.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** An isolated runtime for one developer's code, with its limits and where it is in its life. */
public record Sandbox(UUID id, String ownerId, SandboxRuntime runtime, SandboxLimits limits, SandboxState state,
        Instant createdAt, Instant updatedAt) {

    public Sandbox {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** A new sandbox, PENDING until a runtime is provisioned for it. */
    public static Sandbox requested(String ownerId, SandboxRuntime runtime, SandboxLimits limits, Instant now) {
        return new Sandbox(UUID.randomUUID(), ownerId, runtime, limits, SandboxState.PENDING, now, now);
    }

    /**
     * The sandbox in the target state.
     *
     * @throws IllegalTransition when the current state does not lead there
     */
    public Sandbox movedTo(SandboxState target, Instant now) {
        if (!state.canMoveTo(target)) {
            throw new IllegalTransition(state, target);
        }
        return new Sandbox(id, ownerId, runtime, limits, target, createdAt, now);
    }

    /**
     * The sandbox stopped. Stopping a stopped sandbox changes nothing, so a retried request is safe;
     * a FAILED one cannot be stopped.
     *
     * @throws IllegalTransition when the sandbox has failed
     */
    public Sandbox stopped(Instant now) {
        return state == SandboxState.STOPPED ? this : movedTo(SandboxState.STOPPED, now);
    }
}
