package computepool.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** PostgreSQL 17 from the zonky binaries jar: one cluster per stack home, a real server on a free loopback port. */
public final class PostgresLauncher implements Component {

    public static final String NAME = "postgres";
    public static final String SUPERUSER = "postgres";
    /** Fast shutdown: a plain TERM would wait for every client to disconnect. */
    public static final String STOP_SIGNAL = "INT";

    private static final String DIST_ENTRY = "postgres-linux-x86_64.txz";
    private static final Path SYSTEM_CACHE = Path.of("/var/cache/computepool");
    private static final Path SYSTEM_DATA = Path.of("/var/lib/computepool/stacks");
    /** sockaddr_un.sun_path holds 108 bytes, terminator included. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Map<String, String> ENVIRONMENT = Map.of("LC_ALL", "C", "LANG", "C");

    private final Artifacts artifacts;
    private final Path cache;
    private final IntSupplier ports;
    private final StackSecrets secrets;
    private final PostgresAccount account;

    public PostgresLauncher(Artifacts artifacts, Path cache, IntSupplier ports, StackSecrets secrets,
            PostgresAccount account) {
        this.artifacts = artifacts;
        this.cache = cache;
        this.ports = ports;
        this.secrets = secrets;
        this.account = account;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningComponent start(StackHome home, Path logs) throws InterruptedException {
        long begin = System.nanoTime();
        Path log = logs.resolve("postgres.log");
        account.prepare();
        Path dist = install();
        Path root = dataRoot(home, account);
        Path data = root.resolve("data");
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            initdb(dist, root, data, log);
        }
        int port = ports.getAsInt();
        String socketDirectory = data.toString().length() + ".s.PGSQL.".length() + 6 <= MAX_SOCKET_PATH
                ? data.toString() : "";
        List<String> command = account.command(List.of(dist.resolve("bin/postgres").toString(),
                "-D", data.toString(),
                "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=" + socketDirectory,
                "-c", "max_connections=300",
                // A development and test cluster: speed over surviving a power cut.
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off"));
        ChildProcess process = ChildProcess.start(NAME, command, ENVIRONMENT, root, log);
        PostgresAdmin admin = new PostgresAdmin("127.0.0.1", port, SUPERUSER, secrets.postgresPassword());
        process.awaitReady(admin::ping, Duration.ofSeconds(60), STOP_SIGNAL);
        return new RunningComponent(NAME, process, "127.0.0.1:" + port, STOP_SIGNAL, Map.of(
                LocalStackEnv.POSTGRES_HOST, "127.0.0.1",
                LocalStackEnv.POSTGRES_PORT, Integer.toString(port),
                LocalStackEnv.POSTGRES_USER, SUPERUSER,
                LocalStackEnv.POSTGRES_PASSWORD, secrets.postgresPassword()),
                Duration.ofNanos(System.nanoTime() - begin));
    }

    private Path install() throws InterruptedException {
        Path jar = Artifacts.existing(artifacts.postgresBinaries(), NAME);
        try {
            Files.createDirectories(cache);
            Path base = account.canReach(cache) ? cache : SYSTEM_CACHE;
            return Installation.ensure(base.resolve("postgres-" + artifacts.postgresVersion()), target -> {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    ZipEntry entry = zip.getEntry(DIST_ENTRY);
                    if (entry == null) {
                        throw new IOException(jar + " holds no " + DIST_ENTRY);
                    }
                    try (InputStream in = zip.getInputStream(entry)) {
                        Archives.untarXz(in, target);
                    }
                }
            });
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot install the binaries from " + jar + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * The cluster's directory: in the stack home, unless that home is closed to the account PostgreSQL
     * runs as (a root-owned home directory), in which case it moves to a system directory named after it.
     */
    /**
     * Where a stack home's cluster lives: in the home, unless the account postgres runs as cannot
     * reach it (a root run in a private directory), then under {@code /var/lib/computepool/stacks}.
     */
    static Path dataRoot(StackHome home, PostgresAccount account) throws InterruptedException {
        try {
            Files.createDirectories(home.root());
            Path root = account.canReach(home.root()) ? home.component(NAME)
                    : SYSTEM_DATA.resolve(digest(home.root().toString())).resolve(NAME);
            Files.createDirectories(root);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void initdb(Path dist, Path root, Path data, Path log) throws InterruptedException {
        Path passwordFile = root.resolve("initdb.pw");
        try {
            Files.writeString(passwordFile, secrets.postgresPassword(), StandardCharsets.UTF_8);
            account.own(root, log);
            List<String> command = new ArrayList<>(List.of(dist.resolve("bin/initdb").toString(),
                    "-D", data.toString(),
                    "-U", SUPERUSER,
                    "--pwfile=" + passwordFile,
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync"));
            Commands.run(NAME, account.command(command), ENVIRONMENT, root, log, Duration.ofMinutes(2));
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot prepare " + root + ": " + e.getMessage(), log, e);
        } finally {
            try {
                Files.deleteIfExists(passwordFile);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
