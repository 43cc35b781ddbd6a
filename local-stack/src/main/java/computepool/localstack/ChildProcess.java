package computepool.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A component's OS process. It runs in its own session (setsid) with its output in a log file and its
 * input from /dev/null, so it outlives the JVM that started it and a Ctrl-C in that JVM's terminal.
 */
public final class ChildProcess {

    private static final Duration POLL = Duration.ofMillis(200);

    private final String component;
    private final Process process;
    private final ProcessTree tree;
    private final Path log;

    private ChildProcess(String component, Process process, Path log) {
        this.component = component;
        this.process = process;
        this.tree = ProcessTree.of(process.toHandle());
        this.log = log;
    }

    /** A check that answers whether the component serves yet; exceptions count as "not yet". */
    @FunctionalInterface
    public interface Readiness {
        boolean ready() throws Exception;
    }

    public static ChildProcess start(String component, List<String> command, Map<String, String> environment,
            Path workDir, Path log) {
        List<String> detached = new ArrayList<>(command.size() + 1);
        detached.add("setsid");
        detached.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(detached)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "=== " + String.join(" ", command) + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return new ChildProcess(component, builder.start(), log);
        } catch (IOException e) {
            throw new ComponentFailure(component, "cannot start " + command.getFirst() + ": " + e.getMessage(), log, e);
        }
    }

    /**
     * Polls {@code readiness} until it answers true. If the process exits first, or {@code timeout} passes,
     * or this thread is interrupted, the process is stopped and a {@link ComponentFailure} with the tail of
     * its log is thrown.
     */
    public void awaitReady(Readiness readiness, Duration timeout, String stopSignal) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception lastProblem = null;
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new ComponentFailure(component, "exited with code " + process.exitValue()
                            + " before it was ready", log);
                }
                try {
                    if (readiness.ready()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    lastProblem = e;
                }
                if (System.nanoTime() > deadline) {
                    stopQuietly(stopSignal);
                    String why = lastProblem == null ? "" : " (last check: " + lastProblem + ")";
                    throw new ComponentFailure(component, "not ready within " + timeout.toSeconds() + " s" + why, log);
                }
                Thread.sleep(POLL);
            }
        } catch (InterruptedException e) {
            stopQuietly(stopSignal);
            Thread.currentThread().interrupt();
            throw new ComponentFailure(component, "start interrupted", log, e);
        }
    }

    private void stopQuietly(String stopSignal) {
        try {
            tree.stop(stopSignal, Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public ProcessTree tree() {
        return tree;
    }

    public Path log() {
        return log;
    }
}
