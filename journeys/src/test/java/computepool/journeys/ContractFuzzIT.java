package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.KeycloakTokens;
import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every service's published contract against what it answers: schemathesis with every check on (server errors,
 * status codes, headers, bodies and content types not in the spec, bad input accepted, good input refused, auth
 * ignored) over each service's {@code /q/openapi} and the gateway's static spec. The callers are this run's own: a
 * developer made for it (a token, and an API key at the gateway) and a throwaway administrator for the admin
 * operations, so stateful runs destroy nothing other tests use; tokens are fetched afresh for each phase. Webhook
 * URLs the fuzzer registers are never delivered to: payment-svc's only way out is an {@link EgressGuard}, and any
 * attempt to reach beyond loopback fails the step. The fuzzing is capped at {@link #STEP_LIMIT}, its time printed.
 */
class ContractFuzzIT {

    private static final Duration STEP_LIMIT = Duration.ofMinutes(6);
    /** Generated cases per operation and phase: enough to cover every documented shape, small enough for CI. */
    private static final int EXAMPLES = 6;
    private static final String ADMIN_PATHS = "^/v1/admin/";

    private final Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();

    @Test
    void everyServiceAnswersAsItsContractSays() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        Schemathesis schemathesis = Schemathesis.installed(root);
        KeycloakUsers.Login developer = stack.developer();
        KeycloakUsers.Login admin = KeycloakUsers.forEnv(stack.env())
                .create("fuzz-admin", List.of("developer", "admin"));
        KeycloakTokens tokens = KeycloakTokens.forEnv(stack.env());

        try (EgressGuard egress = EgressGuard.start();
                InferencePlatform platform = InferencePlatform.start(stack, 1, Map.of(), worker -> Map.of(), List.of(
                        new ServiceProcess.Launch("sandbox-svc", stack.serviceConfig("sandbox-svc", "sandbox_fuzz")),
                        new ServiceProcess.Launch("payment-svc", paymentConfig(stack, egress))))) {
            ServiceProcess sandbox = platform.besides().get(0);
            ServiceProcess payment = platform.besides().get(1);
            String apiKey = preparedDeveloper(platform, tokens.passwordGrant(developer.username(),
                    developer.password()), tokens.passwordGrant(admin.username(), admin.password()));

            Map<String, ServiceProcess> services = new LinkedHashMap<>();
            services.put("identity", platform.identity());
            services.put("market", platform.market());
            services.put("billing", platform.billing());
            services.put("sandbox", sandbox);
            services.put("payment", payment);
            Path reports = root.resolve("journeys/target/contract-fuzz");
            List<Schemathesis.Run> runs = new ArrayList<>();
            long started = System.nanoTime();
            for (Map.Entry<String, ServiceProcess> service : services.entrySet()) {
                String spec = service.getValue().uri("/q/openapi?format=json").toString();
                runs.add(schemathesis.run(service.getKey() + "-developer", spec,
                        bearer(tokens.passwordGrant(developer.username(), developer.password())),
                        List.of("--exclude-path-regex", ADMIN_PATHS), EXAMPLES, left(started), reports));
                if (hasAdminOperations(service.getValue())) {
                    runs.add(schemathesis.run(service.getKey() + "-admin", spec,
                            bearer(tokens.passwordGrant(admin.username(), admin.password())),
                            List.of("--include-path-regex", ADMIN_PATHS), EXAMPLES, left(started), reports));
                }
            }
            runs.add(schemathesis.run("gateway-api-key", platform.gateway().uri("/q/openapi?format=json").toString(),
                    bearer(apiKey), List.of(), EXAMPLES, left(started), reports));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            StringBuilder summary = new StringBuilder("contract fuzzing took %d s (limit %d s):%n".formatted(
                    took.toSeconds(), STEP_LIMIT.toSeconds()));
            runs.forEach(run -> summary.append("  %-22s %s in %d s%n".formatted(run.name(),
                    run.passed() ? "passed" : "FAILED (exit " + run.exitStatus() + ")", run.took().toSeconds())));
            System.out.print(summary);
            List<Schemathesis.Run> failed = runs.stream().filter(run -> !run.passed()).toList();
            failed.forEach(run -> System.out.println("---- " + run.name() + " ----\n" + run.output()));

            assertEquals(List.of(), egress.outsideAttempts(), "the platform tried to reach beyond loopback");
            assertEquals(List.of(), failed.stream().map(Schemathesis.Run::name).toList(),
                    "contract mismatches (outputs above; reports in " + reports + ")\n" + summary);
            assertTrue(took.compareTo(STEP_LIMIT) <= 0, summary.toString());
        }
    }

    private static Map<String, String> paymentConfig(JourneyStack stack, EgressGuard egress) {
        Map<String, String> config = new HashMap<>(stack.serviceConfig("payment-svc", "payment_fuzz"));
        config.put("mp.messaging.incoming.billing-events.group.id", "payment-fuzz-" + stack.runId());
        config.put("mp.messaging.incoming.billing-events.auto.offset.reset", "latest");
        config.put("mp.messaging.incoming.worker-events.group.id", "payment-fuzz-" + stack.runId());
        // The fuzzer's webhook hosts are never looked up: only IP literals resolve, and only public ones register.
        config.put("computepool.webhooks.resolve.system-dns", "false");
        config.putAll(egress.jvmSettings());
        return config;
    }

    /**
     * The fuzz developer's profile, credit enough for every completion the fuzzer asks for, rate limits it will not
     * reach, and an API key of its own for the gateway.
     */
    private static String preparedDeveloper(InferencePlatform platform, String developerToken, String adminToken) {
        String developerId = given().auth().oauth2(developerToken)
                .when().get(platform.identity().uri("/v1/developers/me"))
                .then().statusCode(200).extract().path("id");
        given().auth().oauth2(adminToken).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": 100000, \"tokensPerMinute\": 100000000}")
                .when().put(platform.identity().uri("/v1/admin/developers/" + developerId + "/rate-limits"))
                .then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> given()
                .auth().oauth2(adminToken).contentType(ContentType.JSON)
                .body("{\"wallet\": \"paid\", \"amountNanoUsd\": 100000000000, \"reference\": \"fuzz-" + developerId
                        + "\"}")
                .when().post(platform.billing().uri("/v1/admin/developers/" + developerId + "/top-ups"))
                .then().extract().statusCode() == 201);
        return given().auth().oauth2(developerToken).contentType(ContentType.JSON)
                .body("{\"name\": \"contract fuzzing\"}")
                .when().post(platform.identity().uri("/v1/api-keys"))
                .then().statusCode(201).extract().path("secret");
    }

    private static boolean hasAdminOperations(ServiceProcess service) {
        String spec = given().when().get(service.uri("/q/openapi?format=json")).then().statusCode(200)
                .extract().asString();
        return spec.contains("\"/v1/admin/");
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static Duration left(long startedNanos) {
        Duration left = STEP_LIMIT.minus(Duration.ofNanos(System.nanoTime() - startedNanos));
        return left.isNegative() ? Duration.ofSeconds(1) : left;
    }
}
