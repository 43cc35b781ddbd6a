package computepool.market.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.market.orders.OrderBook;
import computepool.market.v1.OrderFilled;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Orders through REST on the real database, matched by the book. Each test works in hours of its own, far ahead and
 * drawn at random, so the orders of other tests and earlier runs (the book keeps them) never meet its own.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class OrderResourceTest {

    private static final long ONE_USD = 1_000_000_000L;
    private static final String FOUR_4090S =
            "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 4, \"powerLimitWatts\": 450}";
    private static final String TWO_4090S =
            "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 2, \"powerLimitWatts\": 450}";

    @Inject
    OrderBook book;

    @Inject
    Pool database;

    private String operator;
    private String developer;
    /** The first hour of this test's own stretch of time. */
    private long base;

    @BeforeEach
    void setUp() {
        operator = TestLogins.admin();
        developer = TestLogins.developer();
        base = book.currentHour() + 1_000 + ThreadLocalRandom.current().nextLong(10_000_000);
    }

    private static String hour(long hour) {
        return Instant.ofEpochSecond(hour * 3600).toString();
    }

    /** A node of the operator's, heard from just now. */
    private String node(String interconnect, String gpus) {
        String id = given().auth().oauth2(operator).contentType(ContentType.JSON)
                .body("""
                        {"name": "pod-%s", "zone": "zone-%s", "interconnect": "%s", "powerBudgetWatts": 1440,
                         "gpus": [%s]}""".formatted(UUID.randomUUID(), base, interconnect, gpus))
                .when().post("/v1/nodes").then().statusCode(201).extract().path("id");
        given().auth().oauth2(operator).when().post("/v1/nodes/" + id + "/heartbeats").then().statusCode(204);
        return id;
    }

    private ValidatableResponse sell(String node, int gpus, long from, long to, long price) {
        return given().auth().oauth2(operator).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"nodeId": "%s", "gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "end": "%s",
                         "minPriceNanoUsdPerGpuHour": %d}""".formatted(node, gpus, hour(from), hour(to), price))
                .when().post("/v1/orders/sell").then();
    }

    private String buyBody(int gpus, long from, int hours, long limit, String timeInForce) {
        return """
                {"gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "durationHours": %d,
                 "limitPriceNanoUsdPerGpuHour": %d, "timeInForce": "%s"}"""
                .formatted(gpus, hour(from), hours, limit, timeInForce);
    }

    private ValidatableResponse buy(String key, String body) {
        return given().auth().oauth2(developer).contentType(ContentType.JSON)
                .header("Idempotency-Key", key)
                .body(body)
                .when().post("/v1/orders/buy").then();
    }

    private ValidatableResponse buy(int gpus, long from, int hours, long limit, String timeInForce) {
        return buy(UUID.randomUUID().toString(), buyBody(gpus, from, hours, limit, timeInForce));
    }

    @Test
    void aBuyFillsAgainstTheCheapestSellAtOrBelowItsLimitAndPaysTheSellsPrice() {
        String cheap = node("federated", TWO_4090S);
        String dear = node("federated", TWO_4090S);
        sell(dear, 2, base, base + 10, 2 * ONE_USD).statusCode(201).body("state", equalTo("open"));
        String cheapSell = sell(cheap, 2, base, base + 10, ONE_USD).statusCode(201).extract().path("id");

        String order = buy(1, base + 2, 3, 3 * ONE_USD, "immediate_or_cancel").statusCode(201)
                .body("state", equalTo("filled"))
                .body("reservationId", notNullValue())
                .body("costNanoUsd", equalTo(3_000_000_000L))
                .body("fills", hasSize(1))
                .body("fills[0].sellOrderId", equalTo(cheapSell))
                .body("fills[0].nodeId", equalTo(cheap))
                .body("fills[0].priceNanoUsdPerGpuHour", equalTo(1_000_000_000))
                .extract().path("id");
        given().auth().oauth2(developer).when().get("/v1/orders/" + order).then().statusCode(200)
                .body("state", equalTo("filled"))
                .body("fills[0].nodeId", equalTo(cheap));
        // Below every sell's minimum nothing fills.
        buy(1, base + 2, 3, ONE_USD - 1, "immediate_or_cancel").statusCode(201)
                .body("state", equalTo("cancelled"))
                .body("fills", hasSize(0));
        given().auth().oauth2(operator).when().get("/v1/orders/" + order).then().spec(problem(404));
    }

    @Test
    void aStandingBuyRestsUntilASellCanFillItAndItsFillIsAnnounced() throws Exception {
        String resting = buy(2, base + 1, 2, ONE_USD, "standing").statusCode(201)
                .body("state", equalTo("resting"))
                .body("expiresAt", equalTo(hour(base + 1)))
                .extract().path("id");
        String pod = node("federated", TWO_4090S);
        sell(pod, 2, base, base + 5, ONE_USD / 2).statusCode(201);

        given().auth().oauth2(developer).when().get("/v1/orders/" + resting).then().statusCode(200)
                .body("state", equalTo("filled"))
                .body("costNanoUsd", equalTo(2 * 2 * (int) (ONE_USD / 2)))
                .body("fills[0].nodeId", equalTo(pod));
        var rows = database.preparedQuery("""
                        select payload from outbox_event where ce_type = 'computepool.market.v1.OrderFilled'
                        and payload is not null order by seq desc limit 20""")
                .execute().await().atMost(Duration.ofSeconds(5));
        boolean announced = false;
        for (var row : rows) {
            OrderFilled filled = OrderFilled.parseFrom(row.getBuffer("payload").getBytes());
            announced |= filled.getBuyOrderId().equals(resting) && filled.getCostNanoUsd() == 2 * ONE_USD
                    && filled.getFills(0).getNodeId().equals(pod);
        }
        assertTrue(announced, "OrderFilled of the resting buy");
    }

    @Test
    void theGpusRunningAtOnceOnANodeNeverExceedItsPowerBudget() {
        // Four 450 W cards on 1,440 W: three run at once.
        String pod = node("federated", FOUR_4090S);
        sell(pod, 4, base, base + 4, ONE_USD).statusCode(201);
        for (int i = 0; i < 3; i++) {
            buy(1, base, 4, ONE_USD, "immediate_or_cancel").statusCode(201).body("state", equalTo("filled"));
        }
        buy(1, base, 4, ONE_USD, "immediate_or_cancel").statusCode(201).body("state", equalTo("cancelled"));
        // Nor three more for any one hour of it: the budget is spent.
        buy(3, base + 1, 1, ONE_USD, "immediate_or_cancel").statusCode(201).body("state", equalTo("cancelled"));
    }

    @Test
    void concurrentBuysThroughRestNeverSellAGpuHourTwice() throws Exception {
        String first = node("federated", TWO_4090S);
        String second = node("federated", TWO_4090S);
        sell(first, 2, base, base + 3, ONE_USD).statusCode(201);
        sell(second, 2, base, base + 3, ONE_USD).statusCode(201);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        List<Future<String>> states = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            states.add(threads.submit(() -> buy(1, base, 3, ONE_USD, "immediate_or_cancel").statusCode(201)
                    .extract().<String>path("state")));
        }
        int filled = 0;
        for (Future<String> state : states) {
            filled += "filled".equals(state.get()) ? 1 : 0;
        }
        threads.shutdown();
        assertEquals(4, filled, "two nodes of two cards each");
        for (String node : List.of(first, second)) {
            long sold = database.preparedQuery("select coalesce(sum(gpu_count), 0) as n from order_fill "
                            + "where node_id = $1::uuid")
                    .execute(Tuple.of(node)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n");
            assertEquals(2, sold, "cards sold on node " + node);
        }
    }

    @Test
    void theBookRebuiltFromItsLogKnowsWhatWasSold() {
        String pod = node("federated", TWO_4090S);
        sell(pod, 2, base, base + 2, ONE_USD).statusCode(201);
        buy(2, base, 2, ONE_USD, "immediate_or_cancel").statusCode(201).body("state", equalTo("filled"));
        String resting = buy(1, base + 1, 1, 5 * ONE_USD, "standing").statusCode(201)
                .body("state", equalTo("resting")).extract().path("id");

        book.rebuild();

        buy(1, base, 2, ONE_USD, "immediate_or_cancel").statusCode(201).body("state", equalTo("cancelled"));
        // The resting buy is back in the book and fills from the next sell.
        sell(node("federated", TWO_4090S), 1, base + 1, base + 2, 4 * ONE_USD).statusCode(201);
        given().auth().oauth2(developer).when().get("/v1/orders/" + resting).then().statusCode(200)
                .body("state", equalTo("filled"));
    }

    @Test
    void theSameKeyRepeatsTheOrderAndAnotherRequestUnderItIsAConflict() {
        String key = UUID.randomUUID().toString();
        String body = buyBody(1, base, 1, ONE_USD, "standing");
        String id = buy(key, body).statusCode(201).extract().path("id");
        buy(key, body).statusCode(200).body("id", equalTo(id)).body("state", equalTo("resting"));
        buy(key, buyBody(2, base, 1, ONE_USD, "standing")).spec(problem(409))
                .body("errors[0].field", equalTo("Idempotency-Key"));
        assertEquals(1, database.preparedQuery("select count(*) as n from market_order where idempotency_key = $1")
                .execute(Tuple.of(key)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n"));
    }

    @Test
    void aCancelledOrderLeavesTheBookAndCannotBeCancelledTwice() {
        String resting = buy(1, base + 1, 1, ONE_USD, "standing").statusCode(201).extract().path("id");
        given().auth().oauth2(developer).when().delete("/v1/orders/" + resting).then().statusCode(200)
                .body("state", equalTo("cancelled"));
        given().auth().oauth2(developer).when().delete("/v1/orders/" + resting).then().spec(problem(409));
        given().auth().oauth2(operator).when().delete("/v1/orders/" + resting).then().spec(problem(404));

        String pod = node("federated", TWO_4090S);
        String offer = sell(pod, 2, base, base + 3, ONE_USD).statusCode(201).extract().path("id");
        given().auth().oauth2(operator).when().delete("/v1/orders/" + offer).then().statusCode(200)
                .body("state", equalTo("cancelled"));
        buy(1, base, 1, ONE_USD, "immediate_or_cancel").statusCode(201).body("state", equalTo("cancelled"));
    }

    @Test
    void eachBadOrderIsRefusedNamingItsField() {
        String pod = node("federated", TWO_4090S);
        long past = book.currentHour() - 1;
        buy(1, past, 1, ONE_USD, "standing").spec(badRequestNaming("start"));
        buy(0, base, 1, ONE_USD, "standing").spec(badRequestNaming("gpuCount"));
        buy(1, base, 1, -5, "standing").spec(badRequestNaming("limitPriceNanoUsdPerGpuHour"));
        buy(1, base, 0, ONE_USD, "standing").spec(badRequestNaming("durationHours"));
        buy(1, base, 1, ONE_USD, "whenever").spec(badRequestNaming("timeInForce"));
        buy(UUID.randomUUID().toString(), buyBody(1, base, 1, ONE_USD, "standing").replace("RTX_4090", "GTX_480"))
                .spec(badRequestNaming("gpuModel"));
        buy(UUID.randomUUID().toString(), buyBody(1, base, 1, ONE_USD, "standing")
                .replace(hour(base), Instant.ofEpochSecond(base * 3600 + 60).toString()))
                .spec(badRequestNaming("start"));
        given().auth().oauth2(developer).contentType(ContentType.JSON).body(buyBody(1, base, 1, ONE_USD, "standing"))
                .when().post("/v1/orders/buy").then().spec(badRequestNaming("Idempotency-Key"));
        sell(pod, 2, base + 2, base + 1, ONE_USD).spec(badRequestNaming("end"));
        sell(pod, 3, base, base + 1, ONE_USD).spec(badRequestNaming("gpuCount"));
        sell(pod, 1, base, base + 1, 0).spec(badRequestNaming("minPriceNanoUsdPerGpuHour"));
        given().auth().oauth2(developer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"nodeId": "%s", "gpuModel": "RTX_4090", "gpuCount": 1, "start": "%s", "end": "%s",
                         "minPriceNanoUsdPerGpuHour": 1}""".formatted(pod, hour(base), hour(base + 1)))
                .when().post("/v1/orders/sell").then().spec(problem(404));
        given().auth().oauth2(developer).when().get("/v1/orders/" + UUID.randomUUID()).then().spec(problem(404));
        assertEquals(0, database.preparedQuery("select count(*) as n from market_order where start_hour in ($1, $2) "
                        + "and side = 'BUY'")
                .execute(Tuple.of(past, base)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n"),
                "no refused order was kept");
    }

    @Test
    void aSilentNodeIsNotOffered() {
        String silent = given().auth().oauth2(operator).contentType(ContentType.JSON)
                .body("""
                        {"name": "pod-%s", "zone": "zone-1", "interconnect": "federated", "powerBudgetWatts": 1440,
                         "gpus": [%s]}""".formatted(UUID.randomUUID(), TWO_4090S))
                .when().post("/v1/nodes").then().statusCode(201).extract().path("id");
        sell(silent, 1, base, base + 1, ONE_USD).spec(problem(409)).body("errors[0].field", equalTo("nodeId"));
        given().auth().oauth2(operator).when().get("/v1/nodes/" + silent).then()
                .body("lastHeartbeatAt", nullValue());
    }
}
