package computepool.sandbox.api;

import static computepool.sandbox.domain.SandboxLimits.MAX_CPU_MILLIS;
import static computepool.sandbox.domain.SandboxLimits.MAX_MEMORY_MB;
import static computepool.sandbox.domain.SandboxLimits.MAX_TIMEOUT_SECONDS;
import static computepool.sandbox.domain.SandboxLimits.MIN_CPU_MILLIS;
import static computepool.sandbox.domain.SandboxLimits.MIN_MEMORY_MB;
import static computepool.sandbox.domain.SandboxLimits.MIN_TIMEOUT_SECONDS;

import computepool.sandbox.domain.SandboxRuntime;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/** A sandbox a developer asks for: the runtime and the limits it runs under. */
public record CreateSandboxRequest(
        @NotNull(message = "is required")
        @Pattern(regexp = SandboxRuntime.NAMES, message = SandboxRuntime.MUST_BE_KNOWN)
        String runtime,
        @NotNull(message = "is required")
        @Min(value = MIN_CPU_MILLIS, message = CPU)
        @Max(value = MAX_CPU_MILLIS, message = CPU)
        Integer cpuMillis,
        @NotNull(message = "is required")
        @Min(value = MIN_MEMORY_MB, message = MEMORY)
        @Max(value = MAX_MEMORY_MB, message = MEMORY)
        Integer memoryMb,
        @NotNull(message = "is required")
        @Min(value = MIN_TIMEOUT_SECONDS, message = TIMEOUT)
        @Max(value = MAX_TIMEOUT_SECONDS, message = TIMEOUT)
        Integer timeoutSeconds) {

    static final String CPU = "must be " + MIN_CPU_MILLIS + " to " + MAX_CPU_MILLIS + " thousandths of a core";
    static final String MEMORY = "must be " + MIN_MEMORY_MB + " to " + MAX_MEMORY_MB + " MiB";
    static final String TIMEOUT = "must be " + MIN_TIMEOUT_SECONDS + " to " + MAX_TIMEOUT_SECONDS + " seconds";
}
