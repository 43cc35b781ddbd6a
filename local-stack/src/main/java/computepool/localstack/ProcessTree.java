package computepool.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A process that local-stack started, identified by pid and start time so that a recycled pid is never
 * signalled, and stopped together with everything it spawned (Keycloak's java under kc.sh, PostgreSQL's
 * backends).
 */
public record ProcessTree(long pid, long startedAtMillis) {

    private static final Duration POLL = Duration.ofMillis(100);

    public static ProcessTree of(ProcessHandle handle) {
        return new ProcessTree(handle.pid(), handle.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    public Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid).filter(ProcessTree::running).filter(this::sameStart);
    }

    public boolean isAlive() {
        return handle().isPresent();
    }

    /**
     * Sends {@code signal} (a name such as TERM or INT) to the process, then TERM to whatever it leaves
     * behind, and kills what is still running after {@code grace}.
     *
     * @return true when everything exited within the grace period
     */
    public boolean stop(String signal, Duration grace) throws InterruptedException {
        Optional<ProcessHandle> root = handle();
        if (root.isEmpty()) {
            return true;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root.get());
        root.get().descendants().forEach(tree::add);
        long deadline = System.nanoTime() + grace.toNanos();
        signal(signal, pid);
        awaitExit(List.of(root.get()), deadline);
        tree.stream().filter(ProcessTree::running).forEach(ProcessHandle::destroy);
        if (awaitExit(tree, deadline)) {
            return true;
        }
        // Started with setsid, so the pid is also the process group: this reaches re-parented grandchildren.
        signal("KILL", -pid);
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, System.nanoTime() + Duration.ofSeconds(5).toNanos());
        return false;
    }

    private static boolean awaitExit(List<ProcessHandle> tree, long deadline) throws InterruptedException {
        while (tree.stream().anyMatch(ProcessTree::running)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(POLL);
        }
        return true;
    }

    private static void signal(String signal, long target) throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-s", signal, "--", Long.toString(target))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill to signal " + target, e);
        }
    }

    private boolean sameStart(ProcessHandle handle) {
        return startedAtMillis == 0
                || handle.info().startInstant().map(Instant::toEpochMilli).orElse(startedAtMillis) == startedAtMillis;
    }

    /** Zombies count as dead: they hold a pid but will never exit by themselves. */
    private static boolean running(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
