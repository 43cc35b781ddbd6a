package computepool.market.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.market.orders.OrderBook;
import computepool.market.orders.ReservationClock;
import computepool.market.orders.ReservationMeter;
import computepool.market.v1.ReservationEnded;
import computepool.market.v1.ReservationKind;
import computepool.market.v1.ReservationStarted;
import computepool.market.v1.SpotPreempted;
import computepool.usage.v1.ReservationShare;
import computepool.usage.v1.ReservationUsage;
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
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reservations through REST on the real database: given up with a refund, resold, preempted when spot, announced as
 * their hours begin and pass; and sells of silent nodes leaving the book. Each test works in hours of its own, far
 * ahead and drawn at random, as in {@link OrderResourceTest}.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class ReservationResourceTest {

    private static final long ONE_USD = 1_000_000_000L;
    private static final String TWO_4090S =
            "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 2, \"powerLimitWatts\": 450}";

    @Inject
    OrderBook book;

    @Inject
    ReservationClock reservationClock;

    @Inject
    ReservationMeter meter;

    @Inject
    Pool database;

    private String operator;
    private String developer;
    /** A second buyer: the admin holds the developer role too. */
    private String otherBuyer;
    private long base;

    @BeforeEach
    void setUp() {
        operator = TestLogins.admin();
        otherBuyer = operator;
        developer = TestLogins.developer();
        base = book.currentHour() + 1_000 + ThreadLocalRandom.current().nextLong(10_000_000);
    }

    private static String hour(long hour) {
        return Instant.ofEpochSecond(hour * 3600).toString();
    }

    private String node(String gpus) {
        String id = given().auth().oauth2(operator).contentType(ContentType.JSON)
                .body("""
                        {"name": "pod-%s", "zone": "zone-%s", "interconnect": "federated", "powerBudgetWatts": 1440,
                         "gpus": [%s]}""".formatted(UUID.randomUUID(), base, gpus))
                .when().post("/v1/nodes").then().statusCode(201).extract().path("id");
        given().auth().oauth2(operator).when().post("/v1/nodes/" + id + "/heartbeats").then().statusCode(204);
        return id;
    }

    private String sell(String node, int gpus, long from, long to, long price) {
        return given().auth().oauth2(operator).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"nodeId": "%s", "gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "end": "%s",
                         "minPriceNanoUsdPerGpuHour": %d}""".formatted(node, gpus, hour(from), hour(to), price))
                .when().post("/v1/orders/sell").then().statusCode(201).extract().path("id");
    }

    private ValidatableResponse buy(String buyer, int gpus, long from, int hours, long limit, boolean spot) {
        return given().auth().oauth2(buyer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"gpuModel": "RTX_4090", "gpuCount": %d, "start": "%s", "durationHours": %d,
                         "limitPriceNanoUsdPerGpuHour": %d, "timeInForce": "immediate_or_cancel", "spot": %s}"""
                        .formatted(gpus, hour(from), hours, limit, spot))
                .when().post("/v1/orders/buy").then();
    }

    /** The reservation of a buy that must fill. */
    private String reserved(String buyer, int gpus, long from, int hours, long limit, boolean spot) {
        return buy(buyer, gpus, from, hours, limit, spot).statusCode(201).body("state", equalTo("filled"))
                .extract().path("reservationId");
    }

    private ValidatableResponse resell(String reservation, int gpus, long from, long to, long price) {
        return given().auth().oauth2(developer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"gpuCount": %d, "start": "%s", "end": "%s", "minPriceNanoUsdPerGpuHour": %d}"""
                        .formatted(gpus, hour(from), hour(to), price))
                .when().post("/v1/reservations/" + reservation + "/resale").then();
    }

    /** The market's events of one type still in the outbox, latest first. */
    private <T extends Message> List<T> events(Class<T> type, Parser<T> parser, Predicate<T> wanted)
            throws InvalidProtocolBufferException {
        var rows = database.preparedQuery("""
                        select payload from outbox_event where ce_type = $1 and payload is not null
                        order by seq desc limit 200""")
                .execute(Tuple.of(type.getName())).await().atMost(Duration.ofSeconds(5));
        List<T> found = new ArrayList<>();
        for (var row : rows) {
            T event = parser.parse(row.getBuffer("payload").getBytes());
            if (wanted.test(event)) {
                found.add(event);
            }
        }
        return found;
    }

    /** The subject of an access token: who the market knows its bearer as. */
    private static String subject(String token) throws Exception {
        byte[] claims = Base64.getUrlDecoder().decode(token.split("\\.")[1]);
        return new ObjectMapper().readTree(claims).get("sub").asText();
    }

    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    @Test
    void aReservationGivenUpBeforeItStartsIsRefundedWholeAndItsGpusAreOfferedAgain() throws Exception {
        String pod = node(TWO_4090S);
        sell(pod, 2, base, base + 10, ONE_USD);
        String reservation = reserved(developer, 2, base + 2, 3, ONE_USD, false);
        buy(otherBuyer, 1, base + 3, 1, 5 * ONE_USD, false).statusCode(201).body("state", equalTo("cancelled"));
        given().auth().oauth2(developer).when().get("/v1/reservations/" + reservation).then().statusCode(200)
                .body("state", equalTo("upcoming"))
                .body("kind", equalTo("reserved"))
                .body("costNanoUsd", equalTo(6_000_000_000L))
                .body("fills", hasSize(1));
        given().auth().oauth2(otherBuyer).when().delete("/v1/reservations/" + reservation).then().spec(problem(404));

        given().auth().oauth2(developer).when().delete("/v1/reservations/" + reservation).then().statusCode(200)
                .body("state", equalTo("cancelled"))
                .body("heldUntil", equalTo(hour(base + 2)))
                .body("refundNanoUsd", equalTo(6_000_000_000L));

        // Rebuilt from its log, the book has the GPUs back on offer.
        book.rebuild();
        reserved(otherBuyer, 2, base + 2, 3, ONE_USD, false);
        given().auth().oauth2(developer).when().delete("/v1/reservations/" + reservation).then().spec(problem(409));
        List<ReservationEnded> ended = events(ReservationEnded.class, ReservationEnded::parseFrom,
                event -> event.getReservationId().equals(reservation));
        assertEquals(1, ended.size());
        assertEquals(ReservationEnded.Reason.CANCELLED, ended.getFirst().getReason());
        assertEquals(6 * ONE_USD, ended.getFirst().getRefundNanoUsd());
        assertEquals(base + 2, ended.getFirst().getEndHour());
        List<String> starts = given().auth().oauth2(developer).when().get("/v1/reservations?limit=3").then()
                .statusCode(200).body("$", hasSize(3)).extract().path("start");
        assertEquals(starts.stream().sorted(Comparator.reverseOrder()).toList(), starts, "latest start first");
        given().auth().oauth2(developer).when().get("/v1/reservations?limit=101").then()
                .spec(badRequestNaming("limit"));
    }

    @Test
    void aQueryParameterGivenTwiceOrEmptyIsRefusedNotReadAsTheDefault() {
        String developer = TestLogins.developer();
        given().auth().oauth2(developer).urlEncodingEnabled(false)
                .when().get("/v1/reservations?limit=&limit=%C2%A9").then()
                .spec(badRequestNaming("limit"));
        given().auth().oauth2(developer).urlEncodingEnabled(false)
                .when().get("/v1/reservations?limit=2&limit=3").then()
                .spec(badRequestNaming("limit"));
        given().auth().oauth2(developer).urlEncodingEnabled(false)
                .when().get("/v1/reservations?limit=").then()
                .spec(badRequestNaming("limit"));
        given().auth().oauth2(developer).when().get("/v1/reservations?limit=2").then()
                .statusCode(200);
    }

    @Test
    void resoldHoursAreBoughtFromTheReservationsHolderWhoIsPaidForThem() throws Exception {
        String pod = node(TWO_4090S);
        sell(pod, 2, base, base + 10, ONE_USD);
        String reservation = reserved(developer, 2, base + 1, 4, ONE_USD, false);

        resell(reservation, 3, base + 2, base + 5, 3 * ONE_USD).spec(badRequestNaming("gpuCount"));
        resell(reservation, 2, base, base + 5, 3 * ONE_USD).spec(badRequestNaming("start"));
        resell(reservation, 2, base + 2, base + 6, 3 * ONE_USD).spec(badRequestNaming("end"));
        resell(reservation, 2, base + 2, base + 5, 0).spec(badRequestNaming("minPriceNanoUsdPerGpuHour"));
        String resale = resell(reservation, 2, base + 2, base + 5, 3 * ONE_USD).statusCode(201)
                .body("side", equalTo("sell"))
                .body("nodeId", equalTo(pod))
                .extract().path("id");
        resell(reservation, 1, base + 3, base + 5, 3 * ONE_USD).spec(problem(409));
        book.rebuild();

        // The operator's cards are all the developer's: the other buyer gets the resold ones, at the resale's price.
        buy(otherBuyer, 2, base + 2, 2, 3 * ONE_USD, false).statusCode(201)
                .body("state", equalTo("filled"))
                .body("fills[0].sellOrderId", equalTo(resale))
                .body("fills[0].sellerId", equalTo(subject(developer)))
                .body("fills[0].priceNanoUsdPerGpuHour", equalTo(3_000_000_000L))
                .body("costNanoUsd", equalTo(12_000_000_000L));
        given().auth().oauth2(developer).when().delete("/v1/reservations/" + reservation).then().spec(problem(409));
    }

    @Test
    void aSpotReservationIsPreemptedWithNoticeWhenAHigherBidNeedsItsGpus() throws Exception {
        String pod = node(TWO_4090S);
        sell(pod, 2, base, base + 20, ONE_USD);
        sell(pod, 2, base, base + 20, 2 * ONE_USD);
        given().auth().oauth2(developer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body("""
                        {"gpuModel": "RTX_4090", "gpuCount": 1, "start": "%s", "durationHours": 1,
                         "limitPriceNanoUsdPerGpuHour": 1000, "timeInForce": "standing", "spot": true}"""
                        .formatted(hour(base + 1)))
                .when().post("/v1/orders/buy").then().spec(badRequestNaming("timeInForce"));
        String spot = reserved(developer, 2, base + 1, 10, 3 * ONE_USD, true);
        given().auth().oauth2(developer).when().get("/v1/reservations/" + spot).then()
                .body("kind", equalTo("spot"))
                .body("fills[0].priceNanoUsdPerGpuHour", equalTo(1_000_000_000));

        String higher = buy(otherBuyer, 2, base + 4, 2, 4 * ONE_USD, false).statusCode(201)
                .body("state", equalTo("filled"))
                .extract().path("id");

        // It keeps hours base+1 to base+4 and is refunded the seven it loses, at its clearing price.
        given().auth().oauth2(developer).when().get("/v1/reservations/" + spot).then().statusCode(200)
                .body("state", equalTo("preempted"))
                .body("heldUntil", equalTo(hour(base + 4)))
                .body("refundNanoUsd", equalTo(14_000_000_000L));
        List<SpotPreempted> notices = events(SpotPreempted.class, SpotPreempted::parseFrom,
                event -> event.getReservationId().equals(spot));
        assertEquals(1, notices.size());
        assertEquals(higher, notices.getFirst().getPreemptedByOrderId());
        assertEquals((base + 4) * 3600, notices.getFirst().getPreemptAt().getSeconds());
        List<ReservationEnded> ended = events(ReservationEnded.class, ReservationEnded::parseFrom,
                event -> event.getReservationId().equals(spot));
        assertEquals(ReservationEnded.Reason.PREEMPTED, ended.getFirst().getReason());
        assertEquals(ReservationKind.SPOT, ended.getFirst().getKind());
        // Rebuilt from its log, the book still has the spot's hours before base+4 sold: a bid no higher than the
        // spot's takes nothing from it. The hours it lost after the higher bid's are on offer again at $1.
        book.rebuild();
        buy(otherBuyer, 2, base + 2, 1, 3 * ONE_USD, false).statusCode(201).body("state", equalTo("cancelled"));
        buy(otherBuyer, 2, base + 6, 1, ONE_USD, false).statusCode(201).body("state", equalTo("filled"));
    }

    @Test
    void reservationsAreAnnouncedOnceWhenTheirFirstHourBeginsAndWhenTheirLastHourPasses() throws Exception {
        String pod = node(TWO_4090S);
        sell(pod, 2, base, base + 10, ONE_USD);
        String reservation = reserved(developer, 1, base + 1, 2, ONE_USD, false);

        reservationClock.announce(base);
        assertEquals(List.of(), events(ReservationStarted.class, ReservationStarted::parseFrom,
                event -> event.getReservationId().equals(reservation)));
        reservationClock.announce(base + 1);
        reservationClock.announce(base + 2);
        List<ReservationStarted> started = events(ReservationStarted.class, ReservationStarted::parseFrom,
                event -> event.getReservationId().equals(reservation));
        assertEquals(1, started.size());
        assertEquals((base + 1) * 3600, started.getFirst().getStartedAt().getSeconds());
        assertEquals(base + 3, started.getFirst().getEndHour());
        assertEquals(List.of(), events(ReservationEnded.class, ReservationEnded::parseFrom,
                event -> event.getReservationId().equals(reservation)));

        reservationClock.announce(base + 3);
        reservationClock.announce(base + 4);
        List<ReservationEnded> ended = events(ReservationEnded.class, ReservationEnded::parseFrom,
                event -> event.getReservationId().equals(reservation));
        assertEquals(1, ended.size());
        assertEquals(ReservationEnded.Reason.COMPLETED, ended.getFirst().getReason());
        assertEquals(0, ended.getFirst().getRefundNanoUsd());
    }

    @Test
    void aSilentNodesSellsLeaveTheBook() {
        String pod = node(TWO_4090S);
        String sell = sell(pod, 2, base, base + 10, ONE_USD);

        // No heartbeat for longer than the test's silence limit (5 s): the next tick withdraws the sell.
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().auth().oauth2(operator).when().get("/v1/orders/" + sell).then().statusCode(200)
                        .body("state", equalTo("cancelled")));
        buy(developer, 1, base + 1, 1, ONE_USD, false).statusCode(201).body("state", equalTo("cancelled"));
    }

    @Test
    void aReservationsGpuTimeIsPublishedToTheSecondAndAddsUpToItsCost() throws Exception {
        long price = 1_234_567_891L;
        String pod = node(TWO_4090S);
        sell(pod, 2, base, base + 10, price);
        String reservation = reserved(developer, 2, base + 1, 4, price, false);
        String resale = resell(reservation, 2, base + 2, base + 5, 3 * ONE_USD).statusCode(201).extract().path("id");
        String resold = reserved(otherBuyer, 2, base + 2, 2, 3 * ONE_USD, false);
        String givenUp = reserved(otherBuyer, 1, base + 6, 1, 3 * ONE_USD, false);
        given().auth().oauth2(otherBuyer).when().delete("/v1/reservations/" + givenUp).then().statusCode(200);
        Instant start = Instant.ofEpochSecond((base + 1) * 3600);

        meter.meterUntil(start.plusSeconds(100));
        // Under the shortest period (60 s in tests) nothing is published but a reservation's last seconds.
        meter.meterUntil(start.plusSeconds(130));
        List<ReservationUsage> first = events(ReservationUsage.class, ReservationUsage::parseFrom,
                event -> event.getReservationId().equals(reservation));
        assertEquals(1, first.size());
        assertEquals(start.getEpochSecond(), first.getFirst().getPeriodStart().getSeconds());
        assertEquals(200, first.getFirst().getGpuSeconds());
        assertEquals(price * 2 * 100 / 3600, first.getFirst().getCostNanoUsd());
        assertEquals(ReservationShare.SellerKind.OPERATOR, first.getFirst().getShares(0).getSellerKind());
        assertEquals(subject(operator), first.getFirst().getShares(0).getSellerId());
        // Billing draws each period on the hold of the buy that made the reservation.
        assertEquals(given().auth().oauth2(developer).when().get("/v1/reservations/" + reservation).then()
                .extract().path("buyOrderId"), first.getFirst().getBuyOrderId());

        meter.meterUntil(Instant.ofEpochSecond((base + 9) * 3600));
        List<ReservationUsage> periods = events(ReservationUsage.class, ReservationUsage::parseFrom,
                event -> event.getReservationId().equals(reservation));
        assertEquals(2, periods.size());
        assertEquals(2 * 4 * price, periods.stream().mapToLong(ReservationUsage::getCostNanoUsd).sum(),
                "its periods add up to its cost, to the nano-USD");
        assertEquals(2 * 4 * 3600, periods.stream().mapToLong(ReservationUsage::getGpuSeconds).sum());
        List<ReservationUsage> resoldPeriods = events(ReservationUsage.class, ReservationUsage::parseFrom,
                event -> event.getReservationId().equals(resold));
        assertEquals(1, resoldPeriods.size());
        ReservationShare paidToReseller = resoldPeriods.getFirst().getShares(0);
        assertEquals(ReservationShare.SellerKind.RESELLER, paidToReseller.getSellerKind());
        assertEquals(subject(developer), paidToReseller.getSellerId());
        assertEquals(subject(operator), paidToReseller.getOperatorId());
        assertEquals(12 * ONE_USD, resoldPeriods.getFirst().getCostNanoUsd());
        assertEquals(List.of(), events(ReservationUsage.class, ReservationUsage::parseFrom,
                event -> event.getReservationId().equals(givenUp)), "a reservation given up before it began");
        assertEquals(resale, given().auth().oauth2(otherBuyer).when().get("/v1/reservations/" + resold).then()
                .extract().path("fills[0].sellOrderId"));
    }
}
