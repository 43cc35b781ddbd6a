package computepool.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Keycloak in development mode from the Maven distribution, with the computepool realm imported on first
 * start. The distribution (and the build Keycloak caches inside it) is shared by all stacks; each stack
 * keeps its own H2 database, so a new stack pays for the realm import once and restarts are quick.
 */
public final class KeycloakLauncher implements Component {

    public static final String NAME = "keycloak";
    public static final String REALM = "computepool";
    public static final String API_CLIENT_ID = "computepool-api";
    public static final String PORTAL_CLIENT_ID = "computepool-portal";
    public static final String TEST_DEVELOPER = "dev";
    public static final String TEST_ADMIN = "admin";
    public static final String BOOTSTRAP_ADMIN = "admin";
    public static final String HEAP = "-Xmx768m";
    /** Services with a Keycloak client of their own (the realm's clients of the same names). */
    public static final List<String> SERVICE_CLIENTS = List.of("gateway-svc", "market-svc");
    /**
     * The realm's identity brokers (aliases): the client id and secret each presents to its provider come from
     * Keycloak's environment. A stack's tests point them at local servers standing in for GitHub and Google.
     */
    public static final List<String> IDENTITY_PROVIDERS = List.of("github", "google");
    /** The client id the local stack registers with each broker's provider. */
    public static final String BROKER_CLIENT_ID = "computepool-local";

    /** Placeholders of the realm file; Keycloak resolves them from its environment when importing. */
    private static final String DEVELOPER_PASSWORD_VARIABLE = "COMPUTEPOOL_TEST_DEVELOPER_PASSWORD";
    private static final String ADMIN_PASSWORD_VARIABLE = "COMPUTEPOOL_TEST_ADMIN_PASSWORD";
    private static final String API_CLIENT_SECRET_VARIABLE = "COMPUTEPOOL_API_CLIENT_SECRET";

    private static final String REALM_RESOURCE = "/computepool/localstack/keycloak/computepool-realm.json";
    private static final String REALM_IMPORT = "data/import/computepool-realm.json";
    /** One fixed name, so a newer build of the platform's providers replaces the older one. */
    private static final String PROVIDERS_JAR = "providers/computepool-keycloak-providers.jar";
    /** In a stack's Keycloak directory: the SHA-256 of the realm file its database was imported from. */
    private static final String IMPORTED_REALM = "imported-realm.sha256";

    private final Artifacts artifacts;
    private final Path cache;
    private final Path javaHome;
    private final IntSupplier ports;
    private final StackSecrets secrets;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public KeycloakLauncher(Artifacts artifacts, Path cache, Path javaHome, IntSupplier ports, StackSecrets secrets) {
        this.artifacts = artifacts;
        this.cache = cache;
        this.javaHome = javaHome;
        this.ports = ports;
        this.secrets = secrets;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningComponent start(StackHome home, Path logs) throws InterruptedException {
        long begin = System.nanoTime();
        Path log = logs.resolve("keycloak.log");
        Path dist = install();
        Path dir = home.component(NAME);
        int port = ports.getAsInt();
        int managementPort = ports.getAsInt();
        List<String> command = List.of(dist.resolve("bin/kc.sh").toString(), "start-dev",
                "--import-realm",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                "--http-management-port=" + managementPort,
                "--hostname-strict=false",
                "--health-enabled=true",
                // Per-stack state outside the shared distribution: the H2 database and the transaction log.
                "-Dkc.db-url-path=" + dir,
                "-Dquarkus.transaction-manager.object-store.directory=" + dir.resolve("transaction-logs"));
        Map<String, String> environment = new HashMap<>(Map.of(
                "JAVA_HOME", javaHome.toString(),
                "JAVA_OPTS_KC_HEAP", "-Xms64m " + HEAP,
                // C1 only: starts about a third faster on a small machine, and a test realm needs no peak throughput.
                "JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1",
                "KC_BOOTSTRAP_ADMIN_USERNAME", BOOTSTRAP_ADMIN,
                "KC_BOOTSTRAP_ADMIN_PASSWORD", secrets.keycloakAdminPassword(),
                DEVELOPER_PASSWORD_VARIABLE, secrets.developerPassword(),
                ADMIN_PASSWORD_VARIABLE, secrets.adminPassword(),
                API_CLIENT_SECRET_VARIABLE, secrets.apiClientSecret()));
        SERVICE_CLIENTS.forEach(service -> environment.put(
                "COMPUTEPOOL_" + envName(service) + "_CLIENT_SECRET", secrets.serviceClientSecret(service)));
        IDENTITY_PROVIDERS.forEach(alias -> {
            environment.put("COMPUTEPOOL_" + envName(alias) + "_CLIENT_ID", BROKER_CLIENT_ID);
            environment.put("COMPUTEPOOL_" + envName(alias) + "_CLIENT_SECRET", secrets.brokerClientSecret(alias));
        });
        String url = "http://127.0.0.1:" + port;
        URI health = URI.create("http://127.0.0.1:" + managementPort + "/health/ready");
        URI realm = URI.create(url + "/realms/" + REALM + "/.well-known/openid-configuration");
        // The first start of a fresh distribution rebuilds it in place: two at once would corrupt it.
        try (FileChannel channel = FileChannel.open(dist.resolveSibling(dist.getFileName() + ".start.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            placeProviders(dist.resolve(PROVIDERS_JAR));
            String realmDigest = digest(Files.readAllBytes(dist.resolve(REALM_IMPORT)));
            forgetOutdatedRealm(dir, realmDigest);
            Files.createDirectories(dir);
            ChildProcess process = ChildProcess.start(NAME, command, environment, dir, log);
            process.awaitReady(() -> ok(health) && ok(realm), Duration.ofMinutes(5), "TERM");
            Files.writeString(dir.resolve(IMPORTED_REALM), realmDigest);
            Map<String, String> env = new HashMap<>(Map.ofEntries(
                    Map.entry(LocalStackEnv.KEYCLOAK_URL, url),
                    Map.entry(LocalStackEnv.KEYCLOAK_REALM, REALM),
                    Map.entry(LocalStackEnv.KEYCLOAK_API_CLIENT_ID, API_CLIENT_ID),
                    Map.entry(LocalStackEnv.KEYCLOAK_API_CLIENT_SECRET, secrets.apiClientSecret()),
                    Map.entry(LocalStackEnv.KEYCLOAK_PORTAL_CLIENT_ID, PORTAL_CLIENT_ID),
                    Map.entry(LocalStackEnv.TEST_DEVELOPER_USERNAME, TEST_DEVELOPER),
                    Map.entry(LocalStackEnv.TEST_DEVELOPER_PASSWORD, secrets.developerPassword()),
                    Map.entry(LocalStackEnv.TEST_ADMIN_USERNAME, TEST_ADMIN),
                    Map.entry(LocalStackEnv.TEST_ADMIN_PASSWORD, secrets.adminPassword()),
                    Map.entry(LocalStackEnv.KEYCLOAK_ADMIN_USERNAME, BOOTSTRAP_ADMIN),
                    Map.entry(LocalStackEnv.KEYCLOAK_ADMIN_PASSWORD, secrets.keycloakAdminPassword())));
            SERVICE_CLIENTS.forEach(service -> env.put(LocalStackEnv.serviceClientSecretKey(service),
                    secrets.serviceClientSecret(service)));
            IDENTITY_PROVIDERS.forEach(alias -> {
                env.put(LocalStackEnv.brokerClientIdKey(alias), BROKER_CLIENT_ID);
                env.put(LocalStackEnv.brokerClientSecretKey(alias), secrets.brokerClientSecret(alias));
            });
            return new RunningComponent(NAME, process, url, "TERM", env, Duration.ofNanos(System.nanoTime() - begin));
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot start: " + e.getMessage(), log, e);
        }
    }

    private Path install() {
        Path zip = Artifacts.existing(artifacts.keycloakDist(), NAME);
        try {
            Path dist = Installation.ensure(cache.resolve("keycloak-" + artifacts.keycloakVersion()),
                    target -> Archives.unzipStrippingRoot(zip, target));
            placeRealm(dist.resolve(REALM_IMPORT));
            return dist;
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot install from " + zip + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * The platform's providers, which the realm's first-broker-login flow names; {@code start-dev} notices a changed
     * providers directory and rebuilds the distribution before it starts (once, some seconds).
     */
    private void placeProviders(Path target) throws IOException {
        replaceIfChanged(target, Files.readAllBytes(Artifacts.existing(artifacts.keycloakProviders(), NAME)));
    }

    /** The realm file holds placeholders only, so every stack can share the one in the distribution. */
    private static void placeRealm(Path target) throws IOException {
        byte[] realm;
        try (InputStream in = KeycloakLauncher.class.getResourceAsStream(REALM_RESOURCE)) {
            if (in == null) {
                throw new IOException(REALM_RESOURCE + " is missing: local-stack was not built by Maven");
            }
            realm = in.readAllBytes();
        }
        replaceIfChanged(target, realm);
    }

    /** Written whole or not at all: a stack starting meanwhile from the shared distribution never reads half a file. */
    private static void replaceIfChanged(Path target, byte[] content) throws IOException {
        if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), content)) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Keycloak imports a realm only into a database that lacks it, so a stack whose realm was imported from an older
     * file (before a client or role was added) starts over with an empty database and imports the current one. Its
     * Keycloak users go with it; the secrets stay, since the realm file takes them from the stack's environment.
     */
    private static void forgetOutdatedRealm(Path dir, String realmDigest) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path imported = dir.resolve(IMPORTED_REALM);
        if (Files.exists(imported) && Files.readString(imported).strip().equals(realmDigest)) {
            return;
        }
        System.err.println("local-stack: keycloak: the realm file changed since this stack imported it; importing it anew");
        Installation.deleteRecursively(dir);
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** {@code gateway-svc} becomes {@code GATEWAY_SVC}: the form environment variable names take. */
    static String envName(String service) {
        return service.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private boolean ok(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }
}
