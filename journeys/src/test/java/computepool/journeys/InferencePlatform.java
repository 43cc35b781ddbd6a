package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * What the OpenAI-compatible API needs, as separate processes on the real components: identity-svc, market-svc,
 * billing-svc, two shard workers (layers 0-15 and 15-30) and one or more gateways. Each worker runs on a node of its
 * own operator of the run ({@link #nodes}), registered at the run's market-svc before the workers start, and announces
 * itself through market-svc's WorkerAgent on that node's credential. The model id and nodes are this run's alone: the
 * registry replays the workers topic from its start, and workers of other runs must not share a pipeline with these. The model costs 0.05 USD per million prompt tokens and 0.10 per million completion
 * tokens, and the run's developer ({@link JourneyStack#developer()}) starts with 1 USD of subsidised credit. Once
 * started, it serves: every gateway lists the model.
 */
record InferencePlatform(String model, Path gguf, ServiceProcess identity, ServiceProcess market,
        ServiceProcess billing, ShardPipeline workers, List<ServiceProcess> gateways, List<ServiceProcess> besides,
        List<OperatorNodes.Node> nodes) implements AutoCloseable {

    static final long PROMPT_NANO_USD_PER_MILLION_TOKENS = 50_000_000;
    static final long COMPLETION_NANO_USD_PER_MILLION_TOKENS = 100_000_000;
    static final long STARTER_CREDIT_NANO_USD = 1_000_000_000;
    /** The shard workers' last layers: two halves of the model's 30. */
    private static final int[] WORKER_ENDS = {15, 30};
    /** SmolLM2-135M's size as market-svc's configuration states it, for this run's model id. */
    private static final long LAYER_BYTES = 14_160_384;
    private static final long KV_BYTES_PER_TOKEN = 1_536;

    static InferencePlatform start(JourneyStack stack, int gatewayCount, Map<String, String> gatewayExtras)
            throws Exception {
        return start(stack, gatewayCount, gatewayExtras, worker -> Map.of());
    }

    /** With {@code workerExtras} of each shard worker (0: layers 0-15, 1: layers 15-30) added to its config. */
    static InferencePlatform start(JourneyStack stack, int gatewayCount, Map<String, String> gatewayExtras,
            IntFunction<Map<String, String>> workerExtras) throws Exception {
        return start(stack, gatewayCount, gatewayExtras, workerExtras, List.of());
    }

    /**
     * With the journey's own services ({@code besides}, e.g. payment-svc) started beside the platform and closed with
     * it. Every process starts side by side on a port chosen beforehand, so the gateways know where the others will
     * listen.
     */
    static InferencePlatform start(JourneyStack stack, int gatewayCount, Map<String, String> gatewayExtras,
            IntFunction<Map<String, String>> workerExtras, List<ServiceProcess.Launch> besides) throws Exception {
        String model = "smollm2-" + stack.runId();
        Path gguf = modelFile();
        int workerCount = WORKER_ENDS.length;
        List<Integer> ports = ServiceProcess.freePorts(3 + workerCount + gatewayCount + 3);
        int identityPort = ports.get(0);
        int marketPort = ports.get(1);
        int billingPort = ports.get(2);
        List<Integer> grpcPorts = ports.subList(ports.size() - 3, ports.size());
        int identityGrpc = grpcPorts.get(0);
        int marketGrpc = grpcPorts.get(1);
        int billingGrpc = grpcPorts.get(2);

        // market-svc first: it issues the credentials of the nodes the workers announce themselves on.
        Map<String, String> marketConfig = new HashMap<>(stack.serviceConfig("market-svc", "market"));
        marketConfig.put("mp.messaging.incoming.worker-events.group.id", "market-" + stack.runId());
        marketConfig.put("computepool.market.models." + model + ".layer-bytes", String.valueOf(LAYER_BYTES));
        marketConfig.put("computepool.market.models." + model + ".kv-bytes-per-token", String.valueOf(KV_BYTES_PER_TOKEN));
        // Buys are held on billing's funds, on market-svc's own service token.
        marketConfig.putAll(stack.env().serviceIdentity("market-svc"));
        marketConfig.put("quarkus.grpc.clients.billing.host", "127.0.0.1");
        marketConfig.put("quarkus.grpc.clients.billing.port", String.valueOf(billingGrpc));
        ServiceProcess market = ServiceProcess.startAll(List.of(
                new ServiceProcess.Launch("market-svc", marketConfig).onPorts(marketPort, marketGrpc))).getFirst();
        List<OperatorNodes.Node> nodes = new ArrayList<>();
        List<ServiceProcess> started;
        try {
            for (int worker = 0; worker < workerCount; worker++) {
                nodes.add(OperatorNodes.register(market, stack.operatorToken(worker), 1));
            }
            List<ServiceProcess.Launch> workerLaunches = ShardPipeline.launches(stack, worker -> {
                Map<String, String> config = new HashMap<>(nodes.get(worker).workerConfig(market));
                config.putAll(workerExtras.apply(worker));
                config.put("computepool.shard.model-id", model);
                return config;
            }, WORKER_ENDS);

            List<ServiceProcess.Launch> launches = new ArrayList<>();
            launches.add(new ServiceProcess.Launch("identity-svc", stack.serviceConfig("identity-svc", "identity"))
                    .onPorts(identityPort, identityGrpc));
            Map<String, String> billingConfig = new HashMap<>(stack.serviceConfig("billing-svc", "billing"));
            billingConfig.put("mp.messaging.incoming.identity-events.group.id", "billing-" + stack.runId());
            billingConfig.put("mp.messaging.incoming.usage-events.group.id", "billing-" + stack.runId());
            billingConfig.put("mp.messaging.incoming.market-events.group.id", "billing-" + stack.runId());
            // The topics hold every earlier run's developers and usage, unknown to this run's database: parked at
            // once rather than retried, or reading them would take minutes.
            billingConfig.put("computepool.events.consumer.retry-horizon", "0s");
            launches.add(new ServiceProcess.Launch("billing-svc", billingConfig).onPorts(billingPort, billingGrpc));
            for (int i = 0; i < workerCount; i++) {
                launches.add(workerLaunches.get(i).onPort(ports.get(3 + i)));
            }
            Map<String, String> gatewayConfig = new HashMap<>(stack.serviceConfig("gateway-svc", "gateway"));
            gatewayConfig.put("computepool.gateway.models." + model + ".gguf", gguf.toString());
            gatewayConfig.putAll(stack.env().serviceIdentity("gateway-svc"));
            gatewayConfig.put("quarkus.grpc.clients.identity.host", "127.0.0.1");
            gatewayConfig.put("quarkus.grpc.clients.identity.port", String.valueOf(identityGrpc));
            gatewayConfig.put("quarkus.grpc.clients.market.host", "127.0.0.1");
            gatewayConfig.put("quarkus.grpc.clients.market.port", String.valueOf(marketGrpc));
            gatewayConfig.put("quarkus.grpc.clients.billing.host", "127.0.0.1");
            gatewayConfig.put("quarkus.grpc.clients.billing.port", String.valueOf(billingGrpc));
            gatewayConfig.putAll(gatewayExtras);
            for (int i = 0; i < gatewayCount; i++) {
                launches.add(new ServiceProcess.Launch("gateway-svc", gatewayConfig)
                        .onPort(ports.get(3 + workerCount + i)));
            }
            launches.addAll(besides);
            started = ServiceProcess.startAll(launches);
        } catch (Exception | AssertionError e) {
            market.close();
            throw e;
        }
        int workersFrom = 2;
        int gatewaysFrom = workersFrom + workerCount;
        int besidesFrom = gatewaysFrom + gatewayCount;
        InferencePlatform platform = new InferencePlatform(model, gguf, started.get(0), market, started.get(1),
                ShardPipeline.of(stack, started.subList(workersFrom, gatewaysFrom), WORKER_ENDS),
                List.copyOf(started.subList(gatewaysFrom, besidesFrom)),
                List.copyOf(started.subList(besidesFrom, started.size())), List.copyOf(nodes));
        try {
            platform.priceModel(stack);
            platform.fundDeveloper(stack);
            platform.awaitServed(stack);
            return platform;
        } catch (Exception | AssertionError e) {
            platform.close();
            throw e;
        }
    }

    static Path modelFile() {
        return Path.of(Optional.ofNullable(System.getenv("COMPUTEPOOL_MODEL_GGUF")).orElse(
                System.getProperty("user.home") + "/.cache/computepool/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    }

    ServiceProcess gateway() {
        return gateways.get(0);
    }

    /** A new API key of the run's developer: its secret. */
    String newApiKey(JourneyStack stack, String name) {
        return given().auth().oauth2(stack.developerToken()).contentType(ContentType.JSON)
                .body("{\"name\": \"" + name + "\"}")
                .when().post(identity.uri("/v1/api-keys"))
                .then().statusCode(201).extract().path("secret");
    }

    private void priceModel(JourneyStack stack) {
        given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"modelId\": \"" + model + "\", \"promptNanoUsdPerMillionTokens\": "
                        + PROMPT_NANO_USD_PER_MILLION_TOKENS + ", \"completionNanoUsdPerMillionTokens\": "
                        + COMPLETION_NANO_USD_PER_MILLION_TOKENS + ", \"validFrom\": \"2026-01-01T00:00:00Z\"}")
                .when().post(billing.uri("/v1/prices"))
                .then().statusCode(201);
    }

    /** The starter credit, once billing has opened the wallets of the developer identity-svc announced. */
    private void fundDeveloper(JourneyStack stack) {
        String developerId = developerId(stack);
        await().atMost(JourneyStack.CATCH_UP).pollInterval(Duration.ofMillis(250)).until(() -> given()
                .auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"wallet\": \"subsidised\", \"amountNanoUsd\": " + STARTER_CREDIT_NANO_USD
                        + ", \"reference\": \"starter-credit-" + developerId + "\"}")
                .when().post(billing.uri("/v1/admin/developers/" + developerId + "/top-ups"))
                .then().extract().statusCode() == 201);
    }

    /** Until every gateway lists the model, i.e. market-svc has heard both workers and holds them healthy. */
    private void awaitServed(JourneyStack stack) {
        for (ServiceProcess gateway : gateways) {
            await().atMost(JourneyStack.CATCH_UP).pollInterval(Duration.ofMillis(250)).until(() -> given()
                    .auth().oauth2(stack.developerToken())
                    .when().get(gateway.uri("/v1/models"))
                    .then().extract().asString().contains("\"" + model + "\""));
        }
    }

        /** The run's developer's id at identity-svc; asking creates the profile (and announces it) the first time. */
    String developerId(JourneyStack stack) {
        return given().auth().oauth2(stack.developerToken())
                .when().get(identity.uri("/v1/developers/me"))
                .then().statusCode(200).extract().path("id");
    }

    /** What tokens cost at the model's price, rounded half up once, as billing charges them. */
    static long cost(long promptTokens, long completionTokens) {
        long scaled = promptTokens * PROMPT_NANO_USD_PER_MILLION_TOKENS
                + completionTokens * COMPLETION_NANO_USD_PER_MILLION_TOKENS;
        return (scaled + 500_000) / 1_000_000;
    }

    /** Sets the run's developer's rate limits (an administrator's call); they reach keys verified afterwards. */
    void setRateLimits(JourneyStack stack, int requestsPerMinute, long tokensPerMinute) {
        String developerId = developerId(stack);
        given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": " + requestsPerMinute + ", \"tokensPerMinute\": " + tokensPerMinute + "}")
                .when().put(identity.uri("/v1/admin/developers/" + developerId + "/rate-limits"))
                .then().statusCode(200);
    }

    /** identity-svc's defaults, as every test expects them. */
    void resetRateLimits(JourneyStack stack) {
        setRateLimits(stack, 60, 100_000);
    }

    @Override
    public void close() throws Exception {
        for (ServiceProcess service : besides.reversed()) {
            service.close();
        }
        for (ServiceProcess gateway : gateways.reversed()) {
            gateway.close();
        }
        workers.close();
        billing.close();
        market.close();
        identity.close();
    }
}
