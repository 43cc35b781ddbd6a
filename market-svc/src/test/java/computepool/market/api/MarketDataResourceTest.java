package computepool.market.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.market.orders.OrderBook;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Market data through REST on the real book: quotes, depth and the spot price index. Each test works in hours of its
 * own, far ahead and drawn at random, as in {@link OrderResourceTest}.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class MarketDataResourceTest {

    private static final long ONE_USD = 1_000_000_000L;
    private static final String TWO_4090S =
            "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 2, \"powerLimitWatts\": 450}";

    @Inject
    OrderBook book;

    private String operator;
    private String developer;
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

    private String node() {
        String id = given().auth().oauth2(operator).contentType(ContentType.JSON)
                .body("""
                        {"name": "pod-%s", "zone": "zone-%s", "interconnect": "federated", "powerBudgetWatts": 1440,
                         "gpus": [%s]}""".formatted(UUID.randomUUID(), base, TWO_4090S))
                .when().post("/v1/nodes").then().statusCode(201).extract().path("id");
        given().auth().oauth2(operator).when().post("/v1/nodes/" + id + "/heartbeats").then().statusCode(204);
        return id;
    }

    private void sell(String node, long price) {
        given().auth().oauth2(operator).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"nodeId": "%s", "gpuModel": "RTX_4090", "gpuCount": 2, "start": "%s", "end": "%s",
                         "minPriceNanoUsdPerGpuHour": %d}""".formatted(node, hour(base), hour(base + 10), price))
                .when().post("/v1/orders/sell").then().statusCode(201);
    }

    private ValidatableResponse buy(String buyer, int gpus, long from, int hours, long limit, String extra) {
        return given().auth().oauth2(buyer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "durationHours": %d,
                         "limitPriceNanoUsdPerGpuHour": %d, %s}""".formatted(gpus, hour(from), hours, limit, extra))
                .when().post("/v1/orders/buy").then().statusCode(201);
    }

    private ValidatableResponse get(String path) {
        return given().auth().oauth2(developer).when().get(path).then();
    }

    @Test
    void aQuoteAndTheDepthShowTheBestPricesAndTheGpusAtEach() {
        sell(node(), ONE_USD);
        sell(node(), 2 * ONE_USD);
        String window = "gpuModel=RTX_4090&start=" + hour(base + 1) + "&durationHours=2";
        get("/v1/market/quote?" + window).statusCode(200)
                .body("bestAsk.priceNanoUsdPerGpuHour", equalTo(1_000_000_000))
                .body("bestAsk.gpus", equalTo(2))
                .body("bestBid", nullValue())
                .body("end", equalTo(hour(base + 3)));

        buy(developer, 4, base + 1, 2, ONE_USD / 2, "\"timeInForce\": \"standing\"")
                .body("state", equalTo("resting"));
        buy(developer, 1, base + 2, 1, ONE_USD / 4, "\"timeInForce\": \"standing\"")
                .body("state", equalTo("resting"));

        get("/v1/market/quote?" + window).statusCode(200)
                .body("bestBid.priceNanoUsdPerGpuHour", equalTo(500_000_000))
                .body("bestBid.gpus", equalTo(4));
        get("/v1/market/depth?" + window).statusCode(200)
                .body("asks", hasSize(2))
                .body("asks[1].priceNanoUsdPerGpuHour", equalTo(2_000_000_000))
                .body("asks[1].gpus", equalTo(2))
                .body("bids", hasSize(2))
                .body("bids[1].priceNanoUsdPerGpuHour", equalTo(250_000_000));
        get("/v1/market/depth?" + window + "&levels=1").statusCode(200)
                .body("asks", hasSize(1))
                .body("bids", hasSize(1));
        // Bought, the cheap GPUs leave the book's asks for those hours.
        buy(developer, 2, base + 2, 1, ONE_USD, "\"timeInForce\": \"immediate_or_cancel\"")
                .body("state", equalTo("filled"));
        get("/v1/market/quote?" + window).statusCode(200)
                .body("bestAsk.priceNanoUsdPerGpuHour", equalTo(2_000_000_000));
    }

    @Test
    void theSpotIndexIsTheGpuWeightedClearingPriceOfEachHour() {
        sell(node(), ONE_USD);
        sell(node(), 2 * ONE_USD);
        buy(developer, 1, base + 1, 2, 3 * ONE_USD, "\"spot\": true").body("state", equalTo("filled"));
        // One $1 GPU is left, and a federated node's GPUs are not combined with another's: the second bid takes
        // the $2 node's two.
        buy(TestLogins.admin(), 2, base + 2, 2, 3 * ONE_USD, "\"spot\": true")
                .body("fills[0].priceNanoUsdPerGpuHour", equalTo(2_000_000_000));

        get("/v1/market/spot-index?gpuModel=RTX_4090&from=" + hour(base) + "&to=" + hour(base + 5)).statusCode(200)
                .body("points", hasSize(3))
                .body("points[0].hour", equalTo(hour(base + 1)))
                .body("points[0].priceNanoUsdPerGpuHour", equalTo(1_000_000_000))
                .body("points[0].gpus", equalTo(1))
                .body("points[1].priceNanoUsdPerGpuHour", equalTo(1_666_666_666))
                .body("points[1].gpus", equalTo(3))
                .body("points[2].hour", equalTo(hour(base + 3)))
                .body("points[2].priceNanoUsdPerGpuHour", equalTo(2_000_000_000));
    }

    @Test
    void badQueriesNameTheirField() {
        String start = "&start=" + hour(base) + "&durationHours=1";
        get("/v1/market/quote?gpuModel=TPU" + start).spec(badRequestNaming("gpuModel"));
        get("/v1/market/quote?gpuModel=RTX_4090&start=" + hour(base) + "&durationHours=0")
                .spec(badRequestNaming("durationHours"));
        get("/v1/market/quote?gpuModel=RTX_4090&start=" + hour(base) + "&durationHours=two")
                .spec(badRequestNaming("durationHours"));
        get("/v1/market/quote?gpuModel=RTX_4090&start=" + hour(book.currentHour() - 1) + "&durationHours=1")
                .spec(badRequestNaming("start"));
        get("/v1/market/quote?gpuModel=RTX_4090&start=2026-12-01T10:30:00Z&durationHours=1")
                .spec(badRequestNaming("start"));
        get("/v1/market/depth?gpuModel=RTX_4090" + start + "&levels=101").spec(badRequestNaming("levels"));
        get("/v1/market/spot-index?gpuModel=RTX_4090&from=" + hour(base) + "&to=" + hour(base))
                .spec(badRequestNaming("to"));
        get("/v1/market/spot-index?gpuModel=RTX_4090&from=" + hour(base) + "&to=" + hour(base + 745))
                .spec(badRequestNaming("to"));
        get("/v1/market/spot-index?gpuModel=RTX_4090&from=yesterday").spec(badRequestNaming("from"));
    }
}
