package computepool.sandbox.api;

import computepool.sandbox.domain.Sandbox;
import java.time.Instant;
import java.util.UUID;

/** A sandbox as the REST API shows it. */
public record SandboxView(UUID id, String runtime, int cpuMillis, int memoryMb, int timeoutSeconds, String state,
        Instant createdAt, Instant updatedAt) {

    static SandboxView of(Sandbox sandbox) {
        return new SandboxView(sandbox.id(), sandbox.runtime().wireName(), sandbox.limits().cpuMillis(),
                sandbox.limits().memoryMb(), sandbox.limits().timeoutSeconds(), sandbox.state().name(),
                sandbox.createdAt(), sandbox.updatedAt());
    }
}
