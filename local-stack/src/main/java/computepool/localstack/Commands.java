package computepool.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Short-lived helper commands (initdb, Kafka's storage format, useradd) run to completion. */
public final class Commands {

    private Commands() {
    }

    /** Runs a step of installing a component, appending its output to the component's log. */
    public static void run(String component, List<String> command, Map<String, String> environment, Path workDir,
            Path log, Duration timeout) throws InterruptedException {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "=== " + String.join(" ", command) + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Process process = builder.start();
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                throw e;
            }
            if (!finished) {
                process.destroyForcibly();
                throw new ComponentFailure(component, command.getFirst() + " did not finish within "
                        + timeout.toSeconds() + " s", log);
            }
            if (process.exitValue() != 0) {
                throw new ComponentFailure(component, String.join(" ", command) + " failed with exit code "
                        + process.exitValue(), log);
            }
        } catch (IOException e) {
            throw new ComponentFailure(component, "cannot run " + command.getFirst() + ": " + e.getMessage(), log, e);
        }
    }

    /** Runs a quiet check and answers whether it exited with 0. */
    public static boolean succeeds(List<String> command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return process.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
