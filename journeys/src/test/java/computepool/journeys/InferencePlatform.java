package computepool.journeys;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the OpenAI-compatible API needs, as separate processes on the real components: identity-svc, market-svc, two
 * shard workers (layers 0-15 and 15-30) and one or more gateways. The model id and node are this run's alone: the
 * registry replays the workers topic from its start, and workers of other runs must not share a pipeline or a node
 * with these.
 */
record InferencePlatform(String model, Path gguf, ServiceProcess identity, ServiceProcess market,
        ShardPipeline workers, List<ServiceProcess> gateways) implements AutoCloseable {

    static InferencePlatform start(JourneyStack stack, int gatewayCount, Map<String, String> gatewayExtras)
            throws Exception {
        String model = "smollm2-" + stack.runId();
        Path gguf = modelFile();
        List<AutoCloseable> started = new ArrayList<>();
        try {
            ServiceProcess identity = ServiceProcess.start("identity-svc", stack.serviceConfig("identity"));
            started.add(identity);
            Map<String, String> marketConfig = new HashMap<>(stack.serviceConfig("market"));
            marketConfig.put("mp.messaging.incoming.worker-events.group.id", "market-" + stack.runId());
            ServiceProcess market = ServiceProcess.start("market-svc", marketConfig);
            started.add(market);
            ShardPipeline workers = ShardPipeline.start(stack, Map.of("computepool.shard.model-id", model,
                    "computepool.shard.node-id", "node-" + stack.runId()), 15, 30);
            started.add(workers);

            Map<String, String> gatewayConfig = new HashMap<>(stack.serviceConfig("gateway"));
            gatewayConfig.put("computepool.gateway.models." + model + ".gguf", gguf.toString());
            gatewayConfig.put("quarkus.grpc.clients.identity.host", "127.0.0.1");
            gatewayConfig.put("quarkus.grpc.clients.identity.port", String.valueOf(identity.port()));
            gatewayConfig.put("quarkus.grpc.clients.market.host", "127.0.0.1");
            gatewayConfig.put("quarkus.grpc.clients.market.port", String.valueOf(market.port()));
            gatewayConfig.putAll(gatewayExtras);
            List<ServiceProcess> gateways = new ArrayList<>();
            for (int i = 0; i < gatewayCount; i++) {
                ServiceProcess gateway = ServiceProcess.start("gateway-svc", gatewayConfig);
                started.add(gateway);
                gateways.add(gateway);
            }
            return new InferencePlatform(model, gguf, identity, market, workers, List.copyOf(gateways));
        } catch (Exception | AssertionError e) {
            for (AutoCloseable service : started.reversed()) {
                service.close();
            }
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

    /** A new API key of the stack's test developer: its secret. */
    String newApiKey(JourneyStack stack, String name) {
        return given().auth().oauth2(stack.developerToken()).contentType(ContentType.JSON)
                .body("{\"name\": \"" + name + "\"}")
                .when().post(identity.uri("/v1/api-keys"))
                .then().statusCode(201).extract().path("secret");
    }

    /** Sets the test developer's rate limits (an administrator's call); they reach keys verified afterwards. */
    void setRateLimits(JourneyStack stack, int requestsPerMinute, long tokensPerMinute) {
        String developerId = given().auth().oauth2(stack.developerToken())
                .when().get(identity.uri("/v1/developers/me"))
                .then().statusCode(200).extract().path("id");
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
        for (ServiceProcess gateway : gateways.reversed()) {
            gateway.close();
        }
        workers.close();
        market.close();
        identity.close();
    }
}
