package computepool.journeys;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.KeycloakTokens;
import computepool.localstack.LocalStackEnv;
import computepool.localstack.StackHome;
import computepool.localstack.StackState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./computepool up} on what the build packaged: every service answers UP on its health
 * endpoint, the API key it prints streams a chat completion from the model split over its two shard
 * workers (the README's curl), and {@code ./computepool down} leaves none of the processes it
 * started behind.
 */
class UpAndDownIT {

    private static final Pattern SERVICE_LINE = Pattern.compile("^(\\S+-svc|shard-worker\\S*)\\s+(http://127\\.0\\.0\\.1:\\d+)", Pattern.MULTILINE);
    private static final Pattern SUBSIDISED_BALANCE = Pattern.compile(
            "\"kind\":\"DEVELOPER_SUBSIDISED\"[^}]*\"balanceNanoUsd\":(-?\\d+)");
    private static final Pattern API_KEY_LINE = Pattern.compile("^api key\\s+(cp_\\w+)", Pattern.MULTILINE);
    private static final List<String> SERVICES = List.of("gateway-svc", "identity-svc", "market-svc", "billing-svc",
            "sandbox-svc", "payment-svc", "shard-worker-0-15", "shard-worker-15-30");

    private final Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();
    private final Path home = root.resolve("journeys/target/up-home");

    @AfterEach
    void downEvenOnFailure() throws Exception {
        computepool("down", Duration.ofMinutes(2));
    }

    @Test
    void upStartsEveryServiceHealthyAndDownLeavesNoProcess() throws Exception {
        String output = computepool("up", Duration.ofMinutes(8));

        Map<String, String> endpoints = new HashMap<>();
        Matcher line = SERVICE_LINE.matcher(output);
        while (line.find()) {
            endpoints.put(line.group(1), line.group(2));
        }
        assertEquals(SERVICES.stream().sorted().toList(), endpoints.keySet().stream().sorted().toList(), output);
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (Map.Entry<String, String> service : endpoints.entrySet()) {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create(service.getValue() + "/q/health")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), service.getKey() + ": " + health.body());
                assertTrue(health.body().contains("\"status\": \"UP\"") || health.body().contains("\"status\":\"UP\""),
                        service.getKey() + ": " + health.body());
            }
        }

        Matcher key = API_KEY_LINE.matcher(output);
        assertTrue(key.find(), "no API key printed:\n" + output);
        assertEquals(key.group(1), Files.readString(home.resolve("api-key")).strip());
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(endpoints.get("gateway-svc")
                            + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key.group(1))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"model": "smollm2-135m-instruct", "stream": true, "max_tokens": 8,
                             "messages": [{"role": "user", "content": "What is the capital of France?"}]}"""))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, chat.statusCode(), chat.body());
            assertTrue(chat.body().contains("\"object\":\"chat.completion.chunk\""), chat.body());
            assertTrue(chat.body().endsWith("data: [DONE]\n\n"), chat.body());

            // The completion's usage reaches billing, which charges the starter credit at the seeded price.
            LocalStackEnv env = LocalStackEnv.read(home.resolve("local-stack.env"));

            // Without credentials, x402 is fully configured: a well-formed request is quoted (402, paid to the
            // treasury), a malformed one is refused (400), and a route without vouchers asks for credentials (401).
            URI chatUri = URI.create(endpoints.get("gateway-svc") + "/v1/chat/completions");
            HttpResponse<String> quoted = http.send(HttpRequest.newBuilder(chatUri)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"model": "smollm2-135m-instruct", "max_tokens": 8,
                             "messages": [{"role": "user", "content": "Hi"}]}"""))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(402, quoted.statusCode(), quoted.body());
            assertTrue(quoted.body().toLowerCase(java.util.Locale.ROOT).contains("\"payto\":\""
                    + env.require(LocalStackEnv.CHAIN_TREASURY_ADDRESS).toLowerCase(java.util.Locale.ROOT) + "\""),
                    quoted.body());
            HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(chatUri)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\": 7}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, malformed.statusCode(), malformed.body());
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(endpoints.get("gateway-svc")
                    + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, models.statusCode(), models.body());
            String token = KeycloakTokens.forEnv(env).passwordGrant(env.require(LocalStackEnv.TEST_DEVELOPER_USERNAME),
                    env.require(LocalStackEnv.TEST_DEVELOPER_PASSWORD));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String wallets = http.send(HttpRequest.newBuilder(URI.create(endpoints.get("billing-svc")
                                + "/v1/wallets/me")).header("Authorization", "Bearer " + token).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher subsidised = SUBSIDISED_BALANCE.matcher(wallets);
                return subsidised.find() && Long.parseLong(subsidised.group(1)) < 10_000_000_000L
                        && Long.parseLong(subsidised.group(1)) > 0;
            });
        }

        // Each service is handed only its own secrets: the treasury's key reaches payment-svc alone, the ticket signing
        // key the gateway alone, and no service's environment holds the broker's administrator's password.
        LocalStackEnv stackEnv = LocalStackEnv.read(home.resolve("local-stack.env"));
        Map<String, String> only = Map.of(
                stackEnv.require(LocalStackEnv.CHAIN_TREASURY_PRIVATE_KEY), "payment-svc",
                stackEnv.require(LocalStackEnv.SESSION_TICKET_SIGNING_KEY), "gateway-svc",
                stackEnv.require(LocalStackEnv.BROKER_ADMIN_PASSWORD), "no service");
        for (String service : SERVICES) {
            String environ = Files.readString(Path.of("/proc", Files.readString(
                    home.resolve("pids/" + service + ".pid")).strip(), "environ"));
            only.forEach((secret, owner) -> assertEquals(owner.equals(service), environ.contains(secret),
                    service + "'s environment and a secret of " + owner));
        }

        List<ProcessHandle> started = startedProcesses();
        assertTrue(started.size() >= SERVICES.size() + 4, "expected services and components, found " + started);

        computepool("down", Duration.ofMinutes(2));
        List<ProcessHandle> alive = started.stream().filter(UpAndDownIT::running).toList();
        assertTrue(alive.isEmpty(), "still running after down: " + alive.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
    }

    /**
     * Alive and not a zombie: an exited child that init has not reaped yet still has a pid, but
     * nothing runs in it.
     */
    private static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    /** Every process `up` recorded (services and stack components), with all their descendants. */
    private List<ProcessHandle> startedProcesses() throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> files = Files.list(home.resolve("pids"))) {
            for (Path file : files.toList()) {
                pids.add(Long.parseLong(Files.readString(file).strip()));
            }
        }
        StackState.read(new StackHome(home.resolve("stack")).state()).orElseThrow()
                .components().forEach(component -> pids.add(component.process().pid()));
        List<ProcessHandle> processes = new ArrayList<>();
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(process -> {
                processes.add(process);
                process.descendants().forEach(processes::add);
            });
        }
        return processes;
    }

    private String computepool(String command, Duration limit) throws IOException, InterruptedException {
        Path log = Files.createDirectories(root.resolve("journeys/target")).resolve("computepool-" + command + ".log");
        ProcessBuilder builder = new ProcessBuilder(root.resolve("computepool").toString(), command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("COMPUTEPOOL_HOME", home.toString());
        builder.environment().put("COMPUTEPOOL_SKIP_BUILD", "1");
        Process process = builder.start();
        if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("./computepool " + command + " did not finish in " + limit + ":\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), "./computepool " + command + " failed:\n" + output);
        return output;
    }
}
