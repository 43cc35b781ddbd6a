package computepool.market.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.market.funding.BillingStandIn;
import computepool.market.orders.OrderBook;
import computepool.market.v1.BuyClosed;
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
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Buys enter the book only on funds held for them: market-svc asks billing (here its stand-in, a reference model of
 * funds) for a hold of the buy's most cost under the buy's own id, on market-svc's own service token, before the
 * book sees the buy. Each test works in hours of its own, far ahead and drawn at random.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class FundedBuyTest {

    private static final long ONE_USD = 1_000_000_000L;
    private static final String TWO_4090S =
            "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 2, \"powerLimitWatts\": 450}";

    @Inject
    OrderBook book;

    @Inject
    BillingStandIn billing;

    @Inject
    Pool database;

    private String operator;
    private String developer;
    private String developerSubject;
    private long base;

    @BeforeEach
    void setUp() throws Exception {
        operator = TestLogins.admin();
        developer = TestLogins.developer();
        developerSubject = subject(developer);
        base = book.currentHour() + 1_000 + ThreadLocalRandom.current().nextLong(10_000_000);
    }

    @AfterEach
    void fundsAsBefore() {
        billing.unlimitedFunds(developerSubject);
        billing.down(false);
    }

    @Test
    void aBuyBeyondTheDevelopersFundsIsRefusedNamingWhatItNeedsAndReservesNothing() {
        String pod = node();
        sell(pod, 2, base, base + 10, ONE_USD);
        // Two GPUs for three hours at a limit of $2: the buy can cost $12, one nano-USD more than there is.
        long most = 2 * 3 * 2 * ONE_USD;
        billing.limitFunds(developerSubject, most - 1);
        String key = UUID.randomUUID().toString();

        buy(key, 2, base, 3, 2 * ONE_USD, "immediate_or_cancel").spec(problem(402))
                .body("requiredNanoUsd", equalTo(most))
                .body("availableNanoUsd", equalTo(most - 1))
                .body("meter", equalTo("reservation.gpu_seconds"));

        UUID id = OrderBook.buyOrderId(developerSubject, key);
        assertEquals(Optional.empty(), billing.held(id), "nothing held");
        given().auth().oauth2(developer).when().get("/v1/orders/" + id).then().spec(problem(404));
        assertEquals(0, count("select count(*) as n from market_order where idempotency_key = $1", key));
        // The GPUs it would have taken are all still for sale: a funded buy takes both.
        billing.unlimitedFunds(developerSubject);
        buy(UUID.randomUUID().toString(), 2, base, 3, 2 * ONE_USD, "immediate_or_cancel").statusCode(201)
                .body("state", equalTo("filled"));
    }

    @Test
    void aFundedBuyHoldsItsMostCostUnderItsOwnIdOnMarketsOwnTokenOnce() {
        String pod = node();
        sell(pod, 2, base, base + 10, ONE_USD);
        billing.limitFunds(developerSubject, 2 * 4 * 3 * ONE_USD);
        String key = UUID.randomUUID().toString();
        int callsBefore = billing.callers().size();

        // Fills at the sell's $1, but holds what it could have cost at its $3 limit.
        String id = buy(key, 2, base + 1, 4, 3 * ONE_USD, "immediate_or_cancel").statusCode(201)
                .body("state", equalTo("filled")).body("costNanoUsd", equalTo(8 * ONE_USD))
                .extract().path("id");

        assertEquals(OrderBook.buyOrderId(developerSubject, key).toString(), id);
        assertEquals(Optional.of(2 * 4 * 3 * ONE_USD), billing.held(UUID.fromString(id)));
        assertEquals(List.of("market-svc"), billing.callers().subList(callsBefore, billing.callers().size()),
                "one call, on market-svc's own service token");
        // The whole balance is held now: another buy is refused, and the same key asks billing nothing again.
        buy(UUID.randomUUID().toString(), 1, base + 1, 1, ONE_USD, "immediate_or_cancel").spec(problem(402))
                .body("availableNanoUsd", equalTo(0));
        int callsAfter = billing.callers().size();
        buy(key, 2, base + 1, 4, 3 * ONE_USD, "immediate_or_cancel").statusCode(200).body("id", equalTo(id));
        assertEquals(callsAfter, billing.callers().size(), "a repeated buy is not held twice");
    }

    @Test
    void aBuyTheBookRefusesLeavesNoHold() {
        long now = book.currentHour();
        String key = UUID.randomUUID().toString();
        // A standing buy from the hour under way expires when it starts, which has begun: the engine refuses it.
        buy(key, 1, now, 1, ONE_USD, "standing").spec(badRequestNaming("expiresAt"));

        assertEquals(Optional.empty(), billing.held(OrderBook.buyOrderId(developerSubject, key)),
                "the hold was released");
    }

    @Test
    void whileBillingCannotBeAskedNoBuyIsPlaced() {
        billing.down(true);
        String key = UUID.randomUUID().toString();

        buy(key, 1, base, 1, ONE_USD, "standing").spec(problem(503));

        assertEquals(0, count("select count(*) as n from market_order where idempotency_key = $1", key));
        billing.down(false);
        buy(key, 1, base, 1, ONE_USD, "standing").statusCode(201).body("state", equalTo("resting"));
    }

    @Test
    void aMostCostBeyondWhatCanBeCountedIsABadRequest() {
        buy(UUID.randomUUID().toString(), 8, base, 8784, Long.MAX_VALUE / 1000, "standing")
                .spec(badRequestNaming("limitPriceNanoUsdPerGpuHour"));
    }

    @Test
    void aBuyThatLeavesTheBookWithoutGpusFreesItsFundsByAnnouncingItsClose() throws Exception {
        String unfilled = buy(UUID.randomUUID().toString(), 1, base, 1, ONE_USD, "immediate_or_cancel")
                .statusCode(201).body("state", equalTo("cancelled")).extract().path("id");
        String resting = buy(UUID.randomUUID().toString(), 1, base + 1, 1, ONE_USD, "standing")
                .statusCode(201).body("state", equalTo("resting")).extract().path("id");
        given().auth().oauth2(developer).when().delete("/v1/orders/" + resting).then().statusCode(200);
        String pod = node();
        sell(pod, 1, base + 2, base + 3, ONE_USD);
        String filled = buy(UUID.randomUUID().toString(), 1, base + 2, 1, ONE_USD, "immediate_or_cancel")
                .statusCode(201).body("state", equalTo("filled")).extract().path("id");

        List<BuyClosed> closed = closes();
        assertEquals(List.of(BuyClosed.Reason.UNFILLED), reasons(closed, unfilled));
        assertEquals(List.of(BuyClosed.Reason.CANCELLED), reasons(closed, resting));
        assertEquals(List.of(), reasons(closed, filled), "a filled buy's funds follow its reservation");
        assertTrue(closed.stream().filter(close -> close.getBuyOrderId().equals(unfilled))
                .allMatch(close -> close.getBuyerId().equals(developerSubject)));
    }

    private static List<BuyClosed.Reason> reasons(List<BuyClosed> closed, String buy) {
        return closed.stream().filter(close -> close.getBuyOrderId().equals(buy)).map(BuyClosed::getReason).toList();
    }

    private List<BuyClosed> closes() throws InvalidProtocolBufferException {
        var rows = database.preparedQuery("""
                        select payload from outbox_event where ce_type = $1 and payload is not null
                        order by seq desc limit 200""")
                .execute(Tuple.of(BuyClosed.class.getName())).await().atMost(Duration.ofSeconds(5));
        List<BuyClosed> found = new ArrayList<>();
        for (var row : rows) {
            found.add(BuyClosed.parseFrom(row.getBuffer("payload").getBytes()));
        }
        return found;
    }

    private long count(String sql, Object parameter) {
        return database.preparedQuery(sql).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong("n");
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

    private void sell(String node, int gpus, long from, long to, long price) {
        given().auth().oauth2(operator).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"nodeId": "%s", "gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "end": "%s",
                         "minPriceNanoUsdPerGpuHour": %d}""".formatted(node, gpus, hour(from), hour(to), price))
                .when().post("/v1/orders/sell").then().statusCode(201);
    }

    private ValidatableResponse buy(String key, int gpus, long from, int hours, long limit, String timeInForce) {
        return given().auth().oauth2(developer).contentType(ContentType.JSON)
                .header("Idempotency-Key", key)
                .body("""
                        {"gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "durationHours": %d,
                         "limitPriceNanoUsdPerGpuHour": %d, "timeInForce": "%s"}"""
                        .formatted(gpus, hour(from), hours, limit, timeInForce))
                .when().post("/v1/orders/buy").then();
    }

    private static String subject(String token) throws Exception {
        byte[] claims = Base64.getUrlDecoder().decode(token.split("\\.")[1]);
        return new ObjectMapper().readTree(claims).get("sub").asText();
    }
}
