package computepool.localstack;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * Redis 7 from the operating system's redis-server, in the foreground, without persistence. No one is let in without a
 * password: the default user is off; each service that uses Redis has a user of its own, allowed only its own keys;
 * an {@value #ADMIN} user is for the stack itself and for tests.
 */
public final class RedisLauncher implements Component {

    public static final String NAME = "redis";
    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/redis-server");
    public static final String ADMIN = "admin";
    /** Services with a Redis user of their own. */
    public static final List<String> SERVICE_USERS = List.of("gateway-svc");
    /**
     * What each service's user may touch: the gateway's rate-limit counters and x402 voucher claims, with no
     * administration or dangerous commands.
     */
    private static final Map<String, String> PERMISSIONS = Map.of(
            "gateway-svc", "~ratelimit:* ~x402:* +@all -@admin -@dangerous");

    private final Path binary;
    private final IntSupplier ports;
    private final StackSecrets secrets;

    public RedisLauncher(Path binary, IntSupplier ports, StackSecrets secrets) {
        this.binary = binary;
        this.ports = ports;
        this.secrets = secrets;
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
        Path config = dir.resolve("redis.conf");
        try {
            writeConfig(config, port, dir);
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot write " + config + ": " + e.getMessage(), null, e);
        }
        ChildProcess process = ChildProcess.start(NAME, List.of(binary.toString(), config.toString()),
                Map.of(), dir, logs.resolve("redis.log"));
        process.awaitReady(() -> ping("127.0.0.1", port, ADMIN, secrets.redisAdminPassword()), Duration.ofSeconds(30),
                "TERM");
        Map<String, String> env = new HashMap<>(Map.of(
                LocalStackEnv.REDIS_URL, "redis://127.0.0.1:" + port,
                LocalStackEnv.REDIS_ADMIN_PASSWORD, secrets.redisAdminPassword()));
        secrets.redisServicePasswords().forEach((service, password) ->
                env.put(LocalStackEnv.redisPasswordKey(service), password));
        return new RunningComponent(NAME, process, "127.0.0.1:" + port, "TERM", env,
                Duration.ofNanos(System.nanoTime() - begin));
    }

    /** A file of its own, readable by this user only: it holds the users' passwords. */
    private void writeConfig(Path config, int port, Path dir) throws IOException {
        StringBuilder text = new StringBuilder()
                .append("port ").append(port).append('\n')
                .append("bind 127.0.0.1\n")
                .append("save \"\"\n")
                .append("appendonly no\n")
                .append("daemonize no\n")
                .append("dir ").append(dir).append('\n')
                .append("user default off\n")
                .append("user ").append(ADMIN).append(" on >").append(secrets.redisAdminPassword())
                .append(" ~* &* +@all\n");
        secrets.redisServicePasswords().forEach((service, password) -> text.append("user ").append(service)
                .append(" on >").append(password).append(' ').append(PERMISSIONS.get(service)).append('\n'));
        Files.deleteIfExists(config);
        Files.createFile(config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(config, text);
    }

    /** Signs in as {@code user}, sends PING in RESP and answers whether PONG came back. */
    public static boolean ping(String host, int port, String user, String password) throws IOException {
        return "+PONG".equals(send(host, port, List.of(List.of("AUTH", user, password), List.of("PING"))).getLast());
    }

    /** The first line of Redis' answer to each command, sent in order on one connection. */
    public static List<String> send(String host, int port, List<List<String>> commands) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            socket.setSoTimeout(1_000);
            StringBuilder request = new StringBuilder();
            for (List<String> command : commands) {
                request.append('*').append(command.size()).append("\r\n");
                for (String part : command) {
                    request.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                            .append(part).append("\r\n");
                }
            }
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < commands.size(); i++) {
                replies.add(in.readLine());
            }
            return replies;
        }
    }
}
