package computepool.localstack.bench;

import java.util.Locale;

/**
 * How big a benchmark runs: {@link #SMOKE} in {@code ./computepool test} (a few seconds, enough to show every ratio
 * is computed), {@link #FULL} in {@code ./computepool bench} (the numbers worth reporting). Chosen by the system
 * property {@code computepool.bench.size}, {@code smoke} unless set.
 */
public enum BenchmarkSize {
    SMOKE,
    FULL;

    public static final String PROPERTY = "computepool.bench.size";

    public static BenchmarkSize current() {
        String value = System.getProperty(PROPERTY, "smoke").strip();
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "", "smoke" -> SMOKE;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException(PROPERTY + " must be smoke or full, not " + value);
        };
    }

    /** The value for this size. */
    public int pick(int smoke, int full) {
        return this == FULL ? full : smoke;
    }

    /** The value for this size. */
    public <T> T pick(T smoke, T full) {
        return this == FULL ? full : smoke;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
