package computepool.journeys;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One packaged service ({@code target/quarkus-app/quarkus-run.jar}) running as its own OS process
 * on a free port, the way production runs it, so a journey can cross process boundaries and kill it.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final int grpcPort;
    private final Process process;
    private final Path log;
    /** Done once the process has exited and the class archive it wrote, if any, is in place. */
    private final CompletableFuture<Void> exited;
    private final Duration stopsWithin;

    private ServiceProcess(String name, int port, int grpcPort, Process process, Path log, ClassArchive archive) {
        this.name = name;
        this.port = port;
        this.grpcPort = grpcPort;
        this.process = process;
        this.log = log;
        this.exited = process.onExit().thenAccept(archive::exited);
        // Writing the class archive as it stops takes a few seconds more, longer on a busy machine.
        this.stopsWithin = archive.writes() ? Duration.ofSeconds(60) : Duration.ofSeconds(20);
    }

    /** JIT settings for tests: the C1 compiler only, so a service is ready sooner and uses less CPU warming up. */
    static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1");
    /** JIT settings for benchmarks: both compilers, as in production. */
    static final List<String> PEAK_SPEED = List.of();

    /** How long a service may take to be ready, started alone or beside others. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);

    /**
     * A service to start: its module, its configuration, its JIT settings, its HTTP port and the port of its internal
     * gRPC ({@link #ANY_PORT}: a free one found at launch; one of {@link #freePorts} chosen beforehand lets the
     * services started beside it know it).
     */
    record Launch(String module, Map<String, String> config, List<String> jit, int port, int grpcPort) {

        static final int ANY_PORT = 0;

        Launch(String module, Map<String, String> config) {
            this(module, config, QUICK_START, ANY_PORT, ANY_PORT);
        }

        Launch(String module, Map<String, String> config, List<String> jit) {
            this(module, config, jit, ANY_PORT, ANY_PORT);
        }

        Launch onPort(int chosen) {
            return new Launch(module, config, jit, chosen, grpcPort);
        }

        Launch onPorts(int chosenHttp, int chosenGrpc) {
            return new Launch(module, config, jit, chosenHttp, chosenGrpc);
        }
    }

    /**
     * Starts the module's packaged service with the given configuration (passed as system
     * properties, which outrank the packaged application.properties) and waits until it is ready.
     */
    public static ServiceProcess start(String module, Map<String, String> config) throws IOException, InterruptedException {
        return start(module, config, QUICK_START);
    }

    /** Same as {@link #start(String, Map)}, with the JIT settings given ({@link #QUICK_START}, {@link #PEAK_SPEED}). */
    public static ServiceProcess start(String module, Map<String, String> config, List<String> jit)
            throws IOException, InterruptedException {
        return startAll(List.of(new Launch(module, config, jit))).getFirst();
    }

    /**
     * Starts the services side by side and waits until every one is ready: independent services are all ready sooner
     * so than one after another, as each spends part of its start-up waiting. If one fails, all of them are stopped.
     */
    static List<ServiceProcess> startAll(List<Launch> launches) throws IOException, InterruptedException {
        List<ServiceProcess> started = new ArrayList<>();
        try {
            for (Launch launch : launches) {
                started.add(launch(launch));
            }
            for (ServiceProcess service : started) {
                service.awaitReady();
            }
            return List.copyOf(started);
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (ServiceProcess service : started) {
                service.close();
            }
            throw e;
        }
    }

    private static ServiceProcess launch(Launch launch) throws IOException {
        String module = launch.module();
        Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();
        Path jar = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(module + " is not packaged: " + jar + " is missing");
        }
        Path logs = root.resolve("journeys/target/service-logs");
        Files.createDirectories(logs);
        Path log = logs.resolve(module + "-" + System.nanoTime() + ".log");
        int port = launch.port() == Launch.ANY_PORT ? freePort() : launch.port();
        int grpcPort = launch.grpcPort() == Launch.ANY_PORT ? freePort() : launch.grpcPort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC"));
        command.addAll(launch.jit());
        if (module.equals("shard-worker")) {
            // fp32 weights live off-heap, handed to ONNX Runtime's native library
            command.addAll(List.of("-XX:MaxDirectMemorySize=2g", "--enable-native-access=ALL-UNNAMED"));
        }
        ClassArchive archive = ClassArchive.forRun(jar, List.copyOf(command.subList(1, command.size())));
        command.addAll(archive.options());
        // Services without gRPC of their own on a separate port ignore the second.
        command.addAll(List.of("-Dquarkus.http.port=" + port, "-Dquarkus.grpc.server.port=" + grpcPort,
                "-Dquarkus.log.console.json.enabled=false"));
        launch.config().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        return new ServiceProcess(module, port, grpcPort, builder.start(), log, archive);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public int port() {
        return port;
    }

    /** The port of its internal gRPC, for services that serve it apart from HTTP (identity, market, billing). */
    public int grpcPort() {
        return grpcPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Ends the process the way a crash would: SIGKILL, no shutdown hooks. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        awaitExited();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (process.waitFor(stopsWithin.toMillis(), TimeUnit.MILLISECONDS)) {
            awaitExited();
        } else {
            kill();
        }
    }

    /** Until the class archive the process wrote, if any, is in place for the next start. */
    private void awaitExited() throws InterruptedException {
        try {
            exited.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(name + "'s exit could not be handled", e);
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(READY_WITHIN);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<Void> ready = HTTP.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " was not ready within " + READY_WITHIN + ":\n" + tail());
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static int freePort() throws IOException {
        return freePorts(1).getFirst();
    }

    /** {@code count} different ports nothing listens on now, for services to be started on. */
    static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                held.add(new ServerSocket(0));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }
}
