package computepool.localstack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Starts, stops and reports the real components of one stack home. As a command ({@code start}, {@code stop},
 * {@code status}, and {@code create-database} for scripts) it leaves the components running after it exits and
 * records their pids in the home;
 * {@link #startInProcess(Path)} serves tests that run without a stack started beforehand.
 */
public final class LocalStack {

    public static final List<String> COMPONENTS = List.of(
            PostgresLauncher.NAME, KafkaLauncher.NAME, RedisLauncher.NAME, KeycloakLauncher.NAME, ChainLauncher.NAME);

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Map<Path, LocalStackEnv> IN_PROCESS = new HashMap<>();

    private final StackHome home;
    private final Path logs;
    private final PrintStream out;

    public LocalStack(StackHome home, Path logs, PrintStream out) {
        this.home = home;
        this.logs = logs;
        this.out = out;
    }

    public static void main(String[] args) {
        // The command prints its own report; the AdminClient's logging would only warn that it has no backend.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command and answers its exit status: 0 done, 1 failed, 2 bad usage, 3 (status) not all running. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArguments cli;
        try {
            cli = CliArguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("local-stack: " + e.getMessage());
            err.print(CliArguments.USAGE);
            return 2;
        }
        try {
            if (cli.command().equals("create-database")) {
                PostgresAdmin.forEnv(LocalStackEnv.read(cli.envFile().orElseThrow()))
                        .createDatabase(cli.database().orElseThrow());
                return 0;
            }
            StackHome home = new StackHome(cli.home().orElseThrow());
            LocalStack stack = new LocalStack(home, cli.logs().orElse(home.defaultLogs()), out);
            return switch (cli.command()) {
                case "start" -> {
                    stack.start(cli.components(), cli.envFile());
                    yield 0;
                }
                case "stop" -> stack.stop() ? 0 : 1;
                default -> stack.status() ? 0 : 3;
            };
        } catch (ComponentFailure | IOException | UncheckedIOException | IllegalStateException
                | IllegalArgumentException e) {
            err.println("local-stack: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("local-stack: interrupted");
            return 1;
        }
    }

    /**
     * Starts every named component that is not running yet, in parallel, and writes the env file. A stack
     * already running in this home is reused; one that is partly down is stopped and started afresh.
     *
     * @throws ComponentFailure naming the first component that failed; the others are stopped again
     */
    public LocalStackEnv start(Collection<String> names, Optional<Path> envFile)
            throws IOException, InterruptedException {
        Optional<StackState> previous = StackState.read(home.state());
        if (previous.isPresent()) {
            Optional<LocalStackEnv> reused = reuse(previous.get(), names, envFile);
            if (reused.isPresent()) {
                return reused.get();
            }
            out.println("local-stack: the stack in " + home.root() + " is partly down; restarting it");
            stop();
        }
        StackSecrets secrets = StackSecrets.loadOrCreate(home.secrets());
        PortAllocator ports = new PortAllocator();
        List<Component> components = names.stream().map(name -> component(name, secrets, ports)).toList();
        out.println("local-stack: starting " + String.join(", ", names) + " in " + home.root()
                + " (logs in " + logs + ")");
        List<RunningComponent> started = new ParallelStart(home, logs, out).run(components);
        Map<String, String> values = new LinkedHashMap<>();
        started.forEach(component -> values.putAll(component.env()));
        // Not a component's: the services' own secret, which identity-svc hashes API keys with.
        values.put(LocalStackEnv.API_KEY_PEPPER, secrets.apiKeyPepper());
        // The gateways' key pair for session tickets: the signing half for gateways alone, the other for shard workers.
        values.put(LocalStackEnv.SESSION_TICKET_SIGNING_KEY, secrets.ticketSigningKey());
        values.put(LocalStackEnv.SESSION_TICKET_VERIFY_KEY, secrets.ticketVerifyKey());
        LocalStackEnv env = new LocalStackEnv(values);
        env.write(home.env());
        envFile.ifPresent(env::write);
        new StackState(started.stream().map(RunningComponent::stateEntry).toList(), envFile).write(home.state());
        envFile.ifPresent(file -> out.println("local-stack: env written to " + file));
        return env;
    }

    private Optional<LocalStackEnv> reuse(StackState state, Collection<String> names, Optional<Path> envFile)
            throws IOException {
        List<String> running = state.components().stream().map(StackState.Entry::name).toList();
        boolean alive = state.components().stream().allMatch(entry -> entry.process().isAlive());
        if (!alive || !running.containsAll(names) || !Files.exists(home.env())) {
            return Optional.empty();
        }
        LocalStackEnv env = LocalStackEnv.read(home.env());
        envFile.ifPresent(env::write);
        new StackState(state.components(), envFile.or(state::envFile)).write(home.state());
        out.println("local-stack: already running in " + home.root() + ": " + String.join(", ", running));
        return Optional.of(env);
    }

    /**
     * Stops every recorded component, all at once since they are independent, then forgets them and deletes
     * the env files written for them. Nothing recorded is a success.
     *
     * @return false when a component had to be killed after the grace period
     */
    public boolean stop() throws IOException, InterruptedException {
        Optional<StackState> state = StackState.read(home.state());
        if (state.isEmpty()) {
            out.println("local-stack: nothing running in " + home.root());
            return true;
        }
        List<Callable<Boolean>> stops = new ArrayList<>();
        for (StackState.Entry entry : state.get().components()) {
            stops.add(() -> {
                boolean graceful = entry.process().stop(entry.stopSignal(), STOP_GRACE);
                out.println("local-stack: stopped " + entry.name() + " (pid " + entry.process().pid() + ")"
                        + (graceful ? "" : " by SIGKILL after " + STOP_GRACE.toSeconds() + " s"));
                return graceful;
            });
        }
        boolean graceful = true;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Boolean> stopped : executor.invokeAll(stops)) {
                graceful &= stopped.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot stop the stack in " + home.root(), e.getCause());
        }
        if (state.get().envFile().isPresent()) {
            Files.deleteIfExists(state.get().envFile().get());
        }
        Files.deleteIfExists(home.env());
        Files.deleteIfExists(home.state());
        return graceful;
    }

    /** Prints one line per component and answers whether everything recorded is running. */
    public boolean status() throws IOException {
        Optional<StackState> state = StackState.read(home.state());
        Map<String, StackState.Entry> recorded = new HashMap<>();
        state.ifPresent(s -> s.components().forEach(entry -> recorded.put(entry.name(), entry)));
        boolean allRunning = state.isPresent();
        for (String name : COMPONENTS) {
            StackState.Entry entry = recorded.get(name);
            if (entry == null) {
                out.printf("%-9s not running%n", name);
            } else if (entry.process().isAlive()) {
                out.printf("%-9s running  %s (pid %d)%n", name, entry.address(), entry.process().pid());
            } else {
                out.printf("%-9s stopped  %s (pid %d is gone)%n", name, entry.address(), entry.process().pid());
                allRunning = false;
            }
        }
        return allRunning;
    }

    /**
     * Starts the whole stack in {@code home} for this JVM, once, and stops it when the JVM exits: for a
     * module's tests run on their own, without a stack started beforehand.
     */
    public static synchronized LocalStackEnv startInProcess(Path home) {
        StackHome stackHome = new StackHome(home);
        LocalStackEnv running = IN_PROCESS.get(stackHome.root());
        if (running != null) {
            return running;
        }
        LocalStack stack = new LocalStack(stackHome, stackHome.defaultLogs(), System.out);
        try {
            LocalStackEnv env = stack.start(COMPONENTS, Optional.empty());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    stack.stop();
                } catch (IOException | InterruptedException e) {
                    System.err.println("local-stack: cannot stop the stack in " + stackHome.root() + ": " + e);
                }
            }, "local-stack-stop"));
            IN_PROCESS.put(stackHome.root(), env);
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the local stack", e);
        }
    }

    private static Component component(String name, StackSecrets secrets, PortAllocator ports) {
        Artifacts artifacts = Artifacts.fromBuild();
        Path cache = CacheDir.resolve();
        Path javaHome = Path.of(System.getProperty("java.home"));
        return switch (name) {
            case PostgresLauncher.NAME ->
                new PostgresLauncher(artifacts, cache, ports::next, secrets, PostgresAccount.current());
            case KafkaLauncher.NAME ->
                new KafkaLauncher(artifacts, javaHome.resolve("bin/java"), ports::next,
                        Stream.concat(KafkaTopics.PLATFORM.stream(), KafkaTopics.TEST_COPIES.stream()).toList(), secrets);
            case RedisLauncher.NAME -> new RedisLauncher(RedisLauncher.findBinary(), ports::next, secrets);
            case KeycloakLauncher.NAME -> new KeycloakLauncher(artifacts, cache, javaHome, ports::next, secrets);
            case ChainLauncher.NAME -> new ChainLauncher(cache, ports::next, secrets);
            default -> throw new IllegalArgumentException("unknown component " + name + "; known: " + COMPONENTS);
        };
    }
}
