package computepool.journeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.localstack.LocalStack;
import computepool.localstack.LocalStackEnv;
import computepool.localstack.StackHome;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A service's readiness follows its Kafka broker: DOWN within 10 s of the broker going away. The broker is one of
 * this test's own (the shared one serves every other test); the clock starts when it is told to stop.
 */
class KafkaReadinessIT {

    private static final Duration DOWN_WITHIN = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void readinessIsDownWithinTenSecondsOfTheBrokerGoingAway() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        Path home = Files.createTempDirectory("kafka-readiness");
        LocalStack ownBroker = new LocalStack(new StackHome(home), home.resolve("logs"), System.out);
        try {
            LocalStackEnv broker = ownBroker.start(List.of("kafka"), Optional.empty());
            Map<String, String> config = new HashMap<>(stack.serviceConfig("sandbox-svc", "sandbox"));
            config.put("kafka.bootstrap.servers", broker.kafkaBootstrapServers());
            config.putAll(broker.kafkaIdentity("sandbox-svc"));
            try (ServiceProcess sandbox = ServiceProcess.start("sandbox-svc", config)) {
                JsonNode ready = readiness(sandbox);
                assertEquals("UP", kafkaCheck(ready).path("status").asText(), ready.toString());
                assertTrue(kafkaCheck(ready).path("data").path("nodes").asText().contains(":"), ready.toString());

                long gone = System.nanoTime();
                ownBroker.stop();
                JsonNode down = readiness(sandbox);
                while (!"DOWN".equals(down.path("status").asText())
                        && System.nanoTime() - gone < DOWN_WITHIN.multipliedBy(3).toNanos()) {
                    Thread.sleep(200);
                    down = readiness(sandbox);
                }
                Duration took = Duration.ofNanos(System.nanoTime() - gone);
                assertEquals("DOWN", down.path("status").asText(), down.toString());
                assertEquals("DOWN", kafkaCheck(down).path("status").asText(), down.toString());
                assertTrue(took.compareTo(DOWN_WITHIN) <= 0, "readiness went DOWN after " + took.toMillis() + " ms");
            }
        } finally {
            ownBroker.stop();
        }
    }

    private JsonNode readiness(ServiceProcess service) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(service.uri("/q/health/ready"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(answer.body());
    }

    private static JsonNode kafkaCheck(JsonNode readiness) {
        for (JsonNode check : readiness.path("checks")) {
            if (check.path("name").asText().equals("Kafka broker")) {
                return check;
            }
        }
        throw new AssertionError("no Kafka broker check in " + readiness);
    }
}
