package computepool.localstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EVM chain for payments: anvil from npm ({@code @foundry-rs/anvil}), the real Superfluid framework deployed by
 * its own test deployer, the platform's USD token with EIP-3009 and its wrapper super token, and a funded treasury.
 * The npm packages (about 800 MB, Superfluid's Hardhat toolchain) are installed once into the cache directory, in
 * a directory named after the hash of the lock file. The chain's state is dumped to the stack home when anvil
 * stops, and a restart that finds the contracts still there reuses their addresses.
 */
public final class ChainLauncher implements Component {

    public static final String NAME = "chain";
    public static final long CHAIN_ID = 31337;
    /**
     * Superfluid's test deployer installs contracts larger than EIP-170's 24,576 bytes, so the limit is raised.
     */
    static final int CODE_SIZE_LIMIT = 100_000;

    private static final String RESOURCES = "/computepool/localstack/chain/";
    private static final List<String> INSTALL_FILES = List.of("package.json", "package-lock.json");
    private static final List<String> DEPLOYER_FILES = List.of("hardhat.config.js", "deploy-chain.js");
    /** The compiled contracts deploy-chain.js reads, from the deploy module's jar. */
    private static final String CONTRACTS = "/computepool/chain/contracts/";
    private static final List<String> CONTRACT_ARTIFACTS = List.of("ComputePoolUsd", "ISuperTokenFactory", "ISuperToken");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(3);
    private static final String TREASURY_KEY_DIGEST = "TREASURY_KEY_SHA256";
    private static final Pattern RESULT = Pattern.compile("\"result\"\\s*:\\s*\"(0x[0-9a-fA-F]*)\"");

    private final Path cache;
    private final IntSupplier ports;
    private final StackSecrets secrets;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public ChainLauncher(Path cache, IntSupplier ports, StackSecrets secrets) {
        this.cache = cache;
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
        Path log = logs.resolve("chain.log");
        Path dir = home.component(NAME);
        Path nodeModules = install(log).resolve("node_modules");
        int port = ports.getAsInt();
        String rpcUrl = "http://127.0.0.1:" + port;
        ChildProcess anvil = ChildProcess.start(NAME, List.of(
                nodeModules.resolve("@foundry-rs/anvil-linux-amd64/bin/anvil").toString(),
                "--host", "127.0.0.1",
                "--port", Integer.toString(port),
                "--chain-id", Long.toString(CHAIN_ID),
                "--code-size-limit", Integer.toString(CODE_SIZE_LIMIT),
                "--state", dir.resolve("anvil-state.json").toString()),
                Map.of(), createDirectories(dir), log);
        anvil.awaitReady(() -> Long.decode(call(rpcUrl, "eth_chainId", "[]")) == CHAIN_ID,
                Duration.ofSeconds(30), "TERM");
        Map<String, String> deployment;
        try {
            deployment = deployed(dir, rpcUrl).orElse(null);
            if (deployment == null) {
                deployment = deploy(dir, nodeModules, rpcUrl, log);
            }
        } catch (RuntimeException | InterruptedException e) {
            try {
                anvil.tree().stop("TERM", Duration.ofSeconds(10));
            } catch (InterruptedException stopInterrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(LocalStackEnv.CHAIN_RPC_URL, rpcUrl);
        env.put(LocalStackEnv.CHAIN_TREASURY_PRIVATE_KEY, secrets.chainTreasuryPrivateKey());
        env.putAll(deployment);
        return new RunningComponent(NAME, anvil, "127.0.0.1:" + port, "TERM", env,
                Duration.ofNanos(System.nanoTime() - begin));
    }

    /** The npm packages, installed once per lock file by npm ci; install scripts are not needed and not run. */
    private Path install(Path log) throws InterruptedException {
        Path target = null;
        try {
            target = cache.resolve("chain-" + sha256(resource(RESOURCES + "package-lock.json")).substring(0, 16));
            return Installation.ensure(target, directory -> {
                for (String file : INSTALL_FILES) {
                    Files.write(directory.resolve(file), resource(RESOURCES + file));
                }
                try {
                    Commands.run(NAME, List.of(tool("npm"), "ci", "--ignore-scripts", "--no-audit", "--no-fund",
                            "--loglevel=error"), Map.of(), directory, log, INSTALL_TIMEOUT);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while installing the chain's npm packages", e);
                }
            });
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot install the chain's npm packages into "
                    + (target == null ? cache : target) + ": " + e.getMessage(), log, e);
        }
    }

    /** The addresses recorded by an earlier deployment, if the chain (restored from its state) still has them. */
    private Optional<Map<String, String>> deployed(Path dir, String rpcUrl) throws InterruptedException {
        Path file = dir.resolve("deployment.properties");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties recorded = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            recorded.load(reader);
        } catch (IOException e) {
            return Optional.empty();
        }
        String token = recorded.getProperty(LocalStackEnv.CHAIN_TOKEN_ADDRESS);
        if (token == null || !treasuryKeyDigest().equals(recorded.getProperty(TREASURY_KEY_DIGEST))) {
            return Optional.empty();
        }
        String code;
        try {
            code = call(rpcUrl, "eth_getCode", "[\"" + token + "\",\"latest\"]");
        } catch (IOException e) {
            return Optional.empty();
        }
        if (code.equals("0x")) {
            return Optional.empty();
        }
        recorded.remove(TREASURY_KEY_DIGEST);
        return Optional.of(sorted(recorded));
    }

    /** Which treasury a deployment belongs to, recorded without writing the key down a second time. */
    private String treasuryKeyDigest() {
        return sha256(secrets.chainTreasuryPrivateKey().getBytes(StandardCharsets.US_ASCII));
    }

    private Map<String, String> deploy(Path dir, Path nodeModules, String rpcUrl, Path log)
            throws InterruptedException {
        try {
            Path deployer = createDirectories(dir.resolve("deployer"));
            for (String file : DEPLOYER_FILES) {
                Files.write(deployer.resolve(file), resource(RESOURCES + file));
            }
            Path link = deployer.resolve("node_modules");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, nodeModules);
            Path contracts = createDirectories(deployer.resolve("contracts"));
            for (String name : CONTRACT_ARTIFACTS) {
                Files.write(contracts.resolve(name + ".json"), resource(CONTRACTS + name + ".json"));
            }
            Path output = deployer.resolve("deployment.out");
            Files.deleteIfExists(output);
            // stdout carries the addresses; stderr goes to the component's log with npm's and anvil's output.
            Commands.run(NAME, List.of("bash", "-c", "\"$0\" deploy-chain.js > deployment.out", tool("node")), Map.of(
                    "CHAIN_RPC_URL", rpcUrl,
                    "CHAIN_TREASURY_PRIVATE_KEY", secrets.chainTreasuryPrivateKey(),
                    "CONTRACT_ARTIFACTS", contracts.toString(),
                    "HARDHAT_DISABLE_TELEMETRY_PROMPT", "true"),
                    deployer, log, DEPLOY_TIMEOUT);
            Properties deployed = new Properties();
            try (Reader reader = Files.newBufferedReader(output)) {
                deployed.load(reader);
            }
            Map<String, String> values = sorted(deployed);
            if (!values.containsKey(LocalStackEnv.CHAIN_TOKEN_ADDRESS)) {
                throw new ComponentFailure(NAME, "the deployment printed no token address", log);
            }
            deployed.setProperty(TREASURY_KEY_DIGEST, treasuryKeyDigest());
            Path tmp = dir.resolve("deployment.properties.tmp");
            try (Writer writer = Files.newBufferedWriter(tmp)) {
                deployed.store(writer, "Addresses of the contracts deployed on this stack's chain");
            }
            Files.move(tmp, dir.resolve("deployment.properties"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            return values;
        } catch (IOException e) {
            throw new ComponentFailure(NAME, "cannot deploy the contracts: " + e.getMessage(), log, e);
        }
    }

    /** Calls a JSON-RPC method whose result is a hex string. */
    private String call(String rpcUrl, String method, String params) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(rpcUrl))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}"))
                .build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        Matcher result = RESULT.matcher(body);
        if (!result.find()) {
            throw new IOException(method + " answered " + body);
        }
        return result.group(1);
    }

    private static Map<String, String> sorted(Properties properties) {
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted()
                .forEach(key -> values.put(key, properties.getProperty(key)));
        return values;
    }

    /** node or npm from the PATH. */
    private static String tool(String name) {
        return Optional.ofNullable(System.getenv("PATH")).stream()
                .flatMap(path -> Arrays.stream(path.split(File.pathSeparator)))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new ComponentFailure(NAME,
                        name + " not found on the PATH: the chain needs Node.js 18 or newer with npm", null));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ChainLauncher.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
