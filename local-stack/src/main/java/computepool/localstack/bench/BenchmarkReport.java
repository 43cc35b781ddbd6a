package computepool.localstack.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What one benchmark prints and keeps: its lines, echoed to the console and written to
 * {@code target/benchmarks/<benchmark class>.txt} at the project's root, where {@code ./computepool test} and
 * {@code ./computepool bench} gather every {@link #ratio ratio} line into one summary and fail a benchmark that wrote
 * none. The size it runs at ({@link BenchmarkSize}) is named in its first line.
 */
public final class BenchmarkReport {

    /** Starts every ratio line, so the scripts can find them in any report. */
    public static final String RATIO_PREFIX = "ratio: ";

    private final String name;
    private final BenchmarkSize size;
    private final StringBuilder text = new StringBuilder();

    private BenchmarkReport(String name, BenchmarkSize size) {
        this.name = name;
        this.size = size;
        line("%s at %s size", name, size.label());
    }

    /** A report named for the benchmark's class, at the size this run asks for. */
    public static BenchmarkReport of(Class<?> benchmark) {
        return new BenchmarkReport(benchmark.getSimpleName(), BenchmarkSize.current());
    }

    public BenchmarkSize size() {
        return size;
    }

    /** Appends a formatted line (dot decimals whatever the locale) and prints it. */
    public BenchmarkReport line(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        text.append(line).append('\n');
        return this;
    }

    /** Appends lines already formatted, such as a table. */
    public BenchmarkReport lines(String block) {
        block.strip().lines().forEach(line -> line("%s", line));
        return this;
    }

    /**
     * One ratio against the baseline measured in the same run, on a line of its own: {@code what} says which two
     * numbers are divided, e.g. "engine time / sorted-set time at 16,000 orders".
     */
    public BenchmarkReport ratio(String what, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("ratio " + what + " is not a number: " + value);
        }
        return line("%s%s = %.2fx", RATIO_PREFIX, what, value);
    }

    /** Writes the report; an earlier run's report of the same benchmark is replaced. */
    public Path write() {
        Path out = directory().resolve(name + ".txt");
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** {@code target/benchmarks} under the reactor's root ({@code computepool.root}, set by the build). */
    public static Path directory() {
        Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();
        return root.resolve("target/benchmarks");
    }
}
