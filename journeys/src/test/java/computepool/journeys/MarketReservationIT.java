package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * GPU time bought on the market, funded first and billed as it passes: an operator offers a node's GPUs from the hour
 * under way; a developer without funds is refused; once topped up with exactly what two GPUs for two hours cost, the
 * developer buys them, market-svc meters the reservation to the second and billing-svc collects each period in full
 * from the buy's hold, so the reservation appears on the developer's invoice and on the operator's statement, each
 * second at the fill's price. Giving up the second hour frees exactly its price again.
 */
class MarketReservationIT {

    /** $3.60 per GPU-hour: a GPU-second costs exactly 1,000,000 nano-USD. */
    private static final long PRICE_NANO_USD_PER_GPU_HOUR = 3_600_000_000L;
    private static final long NANO_USD_PER_GPU_SECOND = PRICE_NANO_USD_PER_GPU_HOUR / 3600;
    /** Two GPUs for two hours: the whole top-up. */
    private static final long BUY_NANO_USD = 2 * 2 * PRICE_NANO_USD_PER_GPU_HOUR;

    @Test
    void aReservationsSecondsAreChargedToItsBuyerAndPaidToItsOperator() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        List<Integer> ports = ServiceProcess.freePorts(4);
        Map<String, String> marketConfig = new HashMap<>(stack.serviceConfig("market-svc", "market"));
        marketConfig.putAll(stack.env().serviceIdentity("market-svc"));
        marketConfig.put("quarkus.grpc.clients.billing.host", "127.0.0.1");
        marketConfig.put("quarkus.grpc.clients.billing.port", String.valueOf(ports.get(3)));
        marketConfig.put("mp.messaging.incoming.worker-events.group.id", "market-" + stack.runId());
        marketConfig.put("computepool.market.book-tick", "1s");
        marketConfig.put("computepool.market.usage-period", "2s");
        Map<String, String> billingConfig = new HashMap<>(stack.serviceConfig("billing-svc", "billing"));
        billingConfig.put("mp.messaging.incoming.identity-events.group.id", "billing-" + stack.runId());
        billingConfig.put("mp.messaging.incoming.usage-events.group.id", "billing-" + stack.runId());
        billingConfig.put("mp.messaging.incoming.market-events.group.id", "billing-" + stack.runId());
        // The topics hold earlier runs' developers and usage, unknown to this run's database: parked at once rather
        // than retried, or reading them would take minutes.
        billingConfig.put("computepool.events.consumer.retry-horizon", "0s");
        List<ServiceProcess> services = ServiceProcess.startAll(List.of(
                new ServiceProcess.Launch("identity-svc", stack.serviceConfig("identity-svc", "identity")),
                new ServiceProcess.Launch("market-svc", marketConfig).onPorts(ports.get(0), ports.get(1)),
                new ServiceProcess.Launch("billing-svc", billingConfig).onPorts(ports.get(2), ports.get(3))));
        try (ServiceProcess identity = services.get(0);
                ServiceProcess market = services.get(1);
                ServiceProcess billing = services.get(2)) {
            String developerId = given().auth().oauth2(stack.developerToken())
                    .when().get(identity.uri("/v1/developers/me")).then().statusCode(200).extract().path("id");

            String operator = subject(stack.adminToken());
            String node = given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                    .body("""
                            {"name": "journey-%s", "zone": "journey", "interconnect": "federated",
                             "powerBudgetWatts": 1440,
                             "gpus": [{"model": "RTX_4090", "memoryGib": 24, "count": 2, "powerLimitWatts": 450}]}"""
                            .formatted(UUID.randomUUID()))
                    .when().post(market.uri("/v1/nodes")).then().statusCode(201).extract().path("id");
            given().auth().oauth2(stack.adminToken()).when().post(market.uri("/v1/nodes/" + node + "/heartbeats"))
                    .then().statusCode(204);
            long hour = hourWithTwoMinutesLeft();
            given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                    .header("Idempotency-Key", UUID.randomUUID().toString())
                    .body("""
                            {"nodeId": "%s", "gpuModel": "RTX_4090", "gpuCount": 2, "start": "%s", "end": "%s",
                             "minPriceNanoUsdPerGpuHour": %d}"""
                            .formatted(node, hourStart(hour), hourStart(hour + 2), PRICE_NANO_USD_PER_GPU_HOUR))
                    .when().post(market.uri("/v1/orders/sell")).then().statusCode(201);

            // Without funds the buy is refused, naming what it needs, and takes nothing.
            JsonPath unfunded = buy(stack, market, 2, hour, 2).statusCode(402).extract().jsonPath();
            assertEquals(BUY_NANO_USD, unfunded.getLong("requiredNanoUsd"));
            assertEquals(0, unfunded.getLong("availableNanoUsd"));
            // Billing opens the developer's wallets once identity-svc has announced it.
            await().atMost(JourneyStack.CATCH_UP).pollInterval(Duration.ofMillis(250)).until(() -> given()
                    .auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                    .body("{\"wallet\": \"paid\", \"amountNanoUsd\": " + BUY_NANO_USD + ", \"reference\": "
                            + "\"market-journey-" + UUID.randomUUID() + "\"}")
                    .when().post(billing.uri("/v1/admin/developers/" + developerId + "/top-ups"))
                    .then().extract().statusCode() == 201);
            String reservation = buy(stack, market, 2, hour, 2).statusCode(201).extract().path("reservationId");
            // Everything the developer has is held for that reservation now.
            assertEquals(0, buy(stack, market, 1, hour + 1, 1).statusCode(402).extract().jsonPath()
                    .getLong("availableNanoUsd"));

            YearMonth month = YearMonth.from(hourStart(hour).atOffset(ZoneOffset.UTC));
            // The hour began before the buy; its first seconds are billed at once, the rest as they pass.
            JsonPath line = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> reservationLine(given().auth().oauth2(stack.developerToken())
                            .when().get(billing.uri("/v1/invoices/me/" + month)).then().statusCode(200)
                            .extract().jsonPath(), "lines", reservation), found -> found != null
                            && found.getLong("periods") >= 2);
            long gpuSeconds = line.getLong("gpuSeconds");
            assertTrue(gpuSeconds >= 2 * 10, "GPU-seconds billed: " + gpuSeconds);
            assertEquals(0, gpuSeconds % 2, "two GPUs, whole seconds");
            assertEquals(gpuSeconds * NANO_USD_PER_GPU_SECOND, line.getLong("costNanoUsd"),
                    "each GPU-second at the fill's price, to the nano-USD");
            assertEquals(line.getLong("costNanoUsd"), line.getLong("amountNanoUsd"), "collected in full");
            assertEquals(hourStart(hour).toString(), line.getString("periodStart"));

            JsonPath statement = given().auth().oauth2(stack.adminToken())
                    .when().get(billing.uri("/v1/admin/operators/" + operator + "/statements/" + month))
                    .then().statusCode(200).extract().jsonPath();
            JsonPath earned = reservationLine(statement, "lines", reservation);
            assertTrue(earned != null, "the reservation on the operator's statement: " + statement.prettify());
            assertTrue(earned.getLong("gpuSeconds") >= gpuSeconds, "the statement counts at least what was billed");
            // The operator earns what the buyer paid for its GPUs less the platform's 10 %.
            long cost = earned.getLong("costNanoUsd");
            assertEquals(earned.getLong("gpuSeconds") * NANO_USD_PER_GPU_SECOND, cost);
            assertEquals(cost - cost / 10, earned.getLong("earnedNanoUsd"));

            // Giving up the hour not yet begun refunds it: exactly its price is free again, however much of this hour
            // has been metered meanwhile.
            given().auth().oauth2(stack.developerToken()).when().delete(market.uri("/v1/reservations/" + reservation))
                    .then().statusCode(200);
            long refund = 2 * PRICE_NANO_USD_PER_GPU_HOUR;
            await().atMost(JourneyStack.CATCH_UP).pollInterval(Duration.ofMillis(250)).until(() -> buy(stack, market,
                    2, hour + 1, 3).statusCode(402).extract().jsonPath().getLong("availableNanoUsd") == refund);
        }
    }

    /** A buy of this run's developer, immediate-or-cancel at the sell's price: its most cost is its fill's. */
    private static ValidatableResponse buy(JourneyStack stack, ServiceProcess market, int gpus, long from, int hours) {
        return given().auth().oauth2(stack.developerToken()).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "durationHours": %d,
                         "limitPriceNanoUsdPerGpuHour": %d, "timeInForce": "immediate_or_cancel"}"""
                        .formatted(gpus, hourStart(from), hours, PRICE_NANO_USD_PER_GPU_HOUR))
                .when().post(market.uri("/v1/orders/buy")).then();
    }

    /** The line of {@code reservation} in a report's {@code list}, or null. */
    private static JsonPath reservationLine(JsonPath report, String list, String reservation) {
        List<Map<String, Object>> lines = report.getList(list);
        for (int i = 0; i < lines.size(); i++) {
            if (reservation.equals(lines.get(i).get("reservationId"))) {
                return new JsonPath(report.prettify()).setRootPath(list + "[" + i + "]");
            }
        }
        return null;
    }

    /**
     * The hour under way, once at least two minutes of it are left: the whole journey, up to giving up the next hour,
     * happens in it.
     */
    private static long hourWithTwoMinutesLeft() throws InterruptedException {
        long second = Instant.now().getEpochSecond();
        if (3600 - second % 3600 < 120) {
            Thread.sleep((3600 - second % 3600 + 1) * 1000);
        }
        return Instant.now().getEpochSecond() / 3600;
    }

    private static Instant hourStart(long hour) {
        return Instant.ofEpochSecond(hour * 3600);
    }

    private static String subject(String token) throws Exception {
        byte[] claims = Base64.getUrlDecoder().decode(token.split("\\.")[1]);
        return new ObjectMapper().readTree(claims).get("sub").asText();
    }
}
