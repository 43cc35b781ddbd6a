package computepool.journeys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The schemathesis CLI, installed by {@code journeys/scripts/install_schemathesis.sh} (pinned, in a virtual
 * environment of the cache), run against one service's OpenAPI document with the headers of one caller.
 */
final class Schemathesis {

    /** Set by {@code ./computepool test} once it has installed the CLI. */
    static final String LOCATION = "COMPUTEPOOL_SCHEMATHESIS";

    private final Path cli;
    /** {@code journeys/schemathesis.toml}: which statuses the checks expect, and why. */
    private final Path config;

    private Schemathesis(Path cli, Path config) {
        this.cli = cli;
        this.config = config;
    }

    /** The CLI that {@code ./computepool test} installed, or installed now by the same script. */
    static Schemathesis installed(Path root) throws IOException, InterruptedException {
        Optional<Path> given = Optional.ofNullable(System.getenv(LOCATION)).filter(path -> !path.isBlank())
                .map(Path::of);
        if (given.isPresent() && Files.isExecutable(given.get())) {
            return new Schemathesis(given.get(), root.resolve("journeys/schemathesis.toml"));
        }
        return new Schemathesis(InstallScript.run(root, "install_schemathesis.sh", 5),
                root.resolve("journeys/schemathesis.toml"));
    }

    /** One run's outcome: the CLI's exit status and everything it printed. */
    record Run(String name, int exitStatus, String output, Duration took) {

        boolean passed() {
            return exitStatus == 0;
        }
    }

    /**
     * Fuzzes the operations of {@code openApiUrl} that {@code filters} select, every check on, at most
     * {@code examples} generated cases per operation and phase, with a fixed seed so a failure reproduces.
     */
    Run run(String name, String openApiUrl, Map<String, String> headers, List<String> filters, int examples,
            Duration limit, Path reports) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(reports.resolve(name));
        List<String> command = new ArrayList<>(List.of(cli.toString(), "--no-color", "--config-file",
                config.toString(), "run", openApiUrl,
                "--checks", "all",
                // DELETE ends these resources rather than erasing them: it revokes an API key, cancels an order or a
                // reservation, stops a sandbox, and the record stays readable in its final state for the caller's
                // history. A GET after DELETE answering 200 with that state is the contract, not a leak.
                "--exclude-checks", "use_after_free",
                "--max-examples", String.valueOf(examples),
                "--seed", "20261201",
                "--workers", "1",
                "--request-timeout", "20",
                "--suppress-health-check", "all",
                "--generation-database", "none",
                "--report", "junit",
                "--report-dir", dir.toString()));
        headers.forEach((header, value) -> command.addAll(List.of("--header", header + ": " + value)));
        command.addAll(filters);
        long started = System.nanoTime();
        Path log = dir.resolve("output.txt");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        boolean ended = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        return new Run(name, ended ? process.exitValue() : 124,
                ended ? output : output + "\n(stopped after " + limit.toSeconds() + " s)", took);
    }
}
