package computepool.sandbox.domain;

/**
 * What one sandbox may use: CPU in thousandths of a core, memory in MiB, and wall-clock time
 * before it is stopped.
 */
public record SandboxLimits(int cpuMillis, int memoryMb, int timeoutSeconds) {

    public static final int MIN_CPU_MILLIS = 100;
    public static final int MAX_CPU_MILLIS = 8000;
    public static final int MIN_MEMORY_MB = 64;
    public static final int MAX_MEMORY_MB = 32768;
    public static final int MIN_TIMEOUT_SECONDS = 1;
    public static final int MAX_TIMEOUT_SECONDS = 86400;

    public SandboxLimits {
        within("cpuMillis", cpuMillis, MIN_CPU_MILLIS, MAX_CPU_MILLIS);
        within("memoryMb", memoryMb, MIN_MEMORY_MB, MAX_MEMORY_MB);
        within("timeoutSeconds", timeoutSeconds, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
    }

    private static void within(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", not " + value);
        }
    }
}
