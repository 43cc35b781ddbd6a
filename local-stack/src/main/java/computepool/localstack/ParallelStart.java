package computepool.localstack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Starts independent components side by side. When one fails, or the JVM is asked to exit half-way
 * (Ctrl-C during Keycloak's first start), the others are stopped rather than left running unrecorded.
 */
final class ParallelStart {

    private final StackHome home;
    private final Path logs;
    private final PrintStream out;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CompletionService<RunningComponent> completion = new ExecutorCompletionService<>(executor);
    private final Map<String, RunningComponent> started = new ConcurrentHashMap<>();

    ParallelStart(StackHome home, Path logs, PrintStream out) {
        this.home = home;
        this.logs = logs;
        this.out = out;
    }

    /** Answers the components in the order given, each ready; throws the first failure after stopping the rest. */
    List<RunningComponent> run(List<Component> components) throws InterruptedException {
        Map<Future<RunningComponent>, String> names = new HashMap<>();
        for (Component component : components) {
            names.put(completion.submit(() -> component.start(home, logs)), component.name());
        }
        Thread abortOnExit = new Thread(this::abort, "local-stack-abort-start");
        Runtime.getRuntime().addShutdownHook(abortOnExit);
        ComponentFailure failure = null;
        try {
            for (int i = 0; i < components.size() && failure == null; i++) {
                Future<RunningComponent> done = completion.take();
                try {
                    RunningComponent component = done.get();
                    started.put(component.name(), component);
                    out.printf("%-9s ready in %6d ms at %s (pid %d)%n", component.name(),
                            component.startTime().toMillis(), component.address(), component.process().tree().pid());
                } catch (ExecutionException e) {
                    failure = asFailure(names.get(done), e.getCause());
                }
            }
        } catch (InterruptedException e) {
            abort();
            throw e;
        } finally {
            removeHook(abortOnExit);
        }
        if (failure != null) {
            abort();
            throw failure;
        }
        executor.shutdown();
        return components.stream().map(component -> started.get(component.name())).toList();
    }

    private void abort() {
        executor.shutdownNow();
        try {
            // Interrupted launchers stop their own process; give them time to, then collect late successes.
            executor.awaitTermination(1, TimeUnit.MINUTES);
            for (Future<RunningComponent> done = completion.poll(); done != null; done = completion.poll()) {
                if (done.state() == Future.State.SUCCESS) {
                    started.putIfAbsent(done.resultNow().name(), done.resultNow());
                }
            }
            for (RunningComponent component : started.values()) {
                component.process().tree().stop(component.stopSignal(), Duration.ofSeconds(20));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down, and the hook is doing its job.
        }
    }

    private static ComponentFailure asFailure(String component, Throwable cause) {
        return cause instanceof ComponentFailure failure ? failure
                : new ComponentFailure(component, cause.toString(), null, cause);
    }
}
