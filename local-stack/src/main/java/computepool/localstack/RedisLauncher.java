package computepool.localstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/** Redis 7 from the operating system's redis-server, in the foreground, without persistence. */
public final class RedisLauncher implements Component {

    public static final String NAME = "redis";
    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/redis-server");

    private final Path binary;
    private final IntSupplier ports;

    public RedisLauncher(Path binary, IntSupplier ports) {
        this.binary = binary;
        this.ports = ports;
    }

    /** redis-server from the PATH, else where Debian puts it. */
    public static Path findBinary() {
        return Optional.ofNullable(System.getenv("PATH")).stream()
                .flatMap(path -> Arrays.stream(path.split(File.pathSeparator)))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "redis-server"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(DEFAULT_BINARY);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningComponent start(StackHome home, Path logs) throws InterruptedException {
        long begin = System.nanoTime();
        if (!Files.isExecutable(binary)) {
            throw new ComponentFailure(NAME, "redis-server not found at " + binary
                    + ": apt-get install redis-server", null);
        }
        Path dir = home.component(NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int port = ports.getAsInt();
        ChildProcess process = ChildProcess.start(NAME, List.of(binary.toString(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", dir.toString()),
                Map.of(), dir, logs.resolve("redis.log"));
        process.awaitReady(() -> ping("127.0.0.1", port), Duration.ofSeconds(30), "TERM");
        String url = "redis://127.0.0.1:" + port;
        return new RunningComponent(NAME, process, "127.0.0.1:" + port, "TERM",
                Map.of(LocalStackEnv.REDIS_URL, url), Duration.ofNanos(System.nanoTime() - begin));
    }

    /** Sends PING in RESP and answers whether PONG came back. */
    public static boolean ping(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            socket.setSoTimeout(1_000);
            socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return "+PONG\r\n".equals(new String(reply, StandardCharsets.US_ASCII));
        }
    }
}
