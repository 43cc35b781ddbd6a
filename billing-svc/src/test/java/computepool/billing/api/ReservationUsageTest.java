package computepool.billing.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import computepool.billing.support.BillingFixture;
import computepool.billing.v1.ChargeApplied;
import computepool.billing.v1.EarningKind;
import computepool.billing.v1.OperatorEarned;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.usage.v1.ReservationShare;
import computepool.usage.v1.ReservationUsage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ReservationUsage} from the real broker into the ledger, the buyer's invoice, the operator's statement and the
 * reseller's credits. A reservation starts at {@link #START}; a share's cost in a period is
 * {@code floor(price × GPUs × seconds to the period's end / 3600)} less the same to its start. The operator sells
 * 2 GPUs at 1,234,567,891 nano-USD per GPU-hour: 20,576,131, 20,576,132 and 10,288,065 for the seconds 0–30, 30–60
 * and 60–75. The platform keeps 10 % of each period (a largest-remainder split, as for inference), and the sellers share
 * the rest by their costs.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class ReservationUsageTest {

    private static final Instant START = Instant.parse("2026-05-04T10:00:00Z");
    private static final String MONTH = "2026-05";
    private static final long OPERATOR_PRICE = 1_234_567_891;
    private static final long RESELLER_PRICE = 3_000_000_000L;
    private static final long ONE_USD = 1_000_000_000;

    @Inject
    Pool database;

    private BillingFixture buyer;
    private BillingFixture reseller;
    private String operator;

    @BeforeEach
    void setUp() {
        buyer = new BillingFixture(database).started();
        reseller = new BillingFixture(database).started();
        operator = "operator-" + UUID.randomUUID();
        buyer.fund("paid", ONE_USD);
    }

    @AfterEach
    void tearDown() {
        buyer.close();
        reseller.close();
        assertEquals(0, buyer.unbalancedTransactions());
        assertEquals(0, buyer.walletBalancesOff(), "wallet balances are the sums of their postings");
    }

    private static long shareCost(long pricePerGpuHour, int gpus, long fromSecond, long toSecond) {
        return Math.multiplyExact(Math.multiplyExact(pricePerGpuHour, gpus), toSecond) / 3600
                - Math.multiplyExact(Math.multiplyExact(pricePerGpuHour, gpus), fromSecond) / 3600;
    }

    private ReservationShare operatorShare(long fromSecond, long toSecond) {
        return ReservationShare.newBuilder().setSellerId(operator).setSellerKind(ReservationShare.SellerKind.OPERATOR)
                .setOperatorId(operator).setNodeId("node-" + operator).setGpuCount(2)
                .setPriceNanoUsdPerGpuHour(OPERATOR_PRICE)
                .setCostNanoUsd(shareCost(OPERATOR_PRICE, 2, fromSecond, toSecond)).build();
    }

    /** One GPU the reseller holds on another operator's node, resold at 3 USD per GPU-hour. */
    private ReservationShare resellerShare(long fromSecond, long toSecond) {
        return ReservationShare.newBuilder().setSellerId(reseller.subject)
                .setSellerKind(ReservationShare.SellerKind.RESELLER).setOperatorId("other-" + operator)
                .setNodeId("node-other-" + operator).setGpuCount(1).setPriceNanoUsdPerGpuHour(RESELLER_PRICE)
                .setCostNanoUsd(shareCost(RESELLER_PRICE, 1, fromSecond, toSecond)).build();
    }

    /** The period [START + from, START + to) of the reservation, with these shares. */
    private ReservationUsage period(String reservationId, long fromSecond, long toSecond,
            List<ReservationShare> shares) {
        Instant start = START.plusSeconds(fromSecond);
        int gpus = shares.stream().mapToInt(ReservationShare::getGpuCount).sum();
        return ReservationUsage.newBuilder()
                .setUsageId(reservationId + "/" + start.getEpochSecond())
                .setReservationId(reservationId)
                .setBuyerKeycloakSubject(buyer.subject)
                .setGpuModel("H100_80GB")
                .setPeriodStart(Timestamp.newBuilder().setSeconds(start.getEpochSecond()))
                .setPeriodEnd(Timestamp.newBuilder().setSeconds(START.getEpochSecond() + toSecond))
                .setGpuSeconds(gpus * (toSecond - fromSecond))
                .setCostNanoUsd(shares.stream().mapToLong(ReservationShare::getCostNanoUsd).sum())
                .addAllShares(shares)
                .build();
    }

    private void send(ReservationUsage usage) {
        buyer.send("usage", usage.getBuyerKeycloakSubject(), usage);
    }

    private void awaitBooked(String usageId) {
        await().atMost(BillingFixture.EVENTUALLY).until(() -> booked(usageId) == 1);
    }

    private long booked(String usageId) {
        return buyer.count("select count(*) from ledger_transaction where kind = 'reservation' and reference = $1",
                usageId);
    }

    /** The postings of a period's transaction by account: operators by id, wallets by developer and kind. */
    private Map<String, Long> postingsOf(String usageId) {
        Map<String, Long> postings = new HashMap<>();
        for (Row row : database.preparedQuery("""
                        select coalesce(a.operator_id, a.developer_id::text || '/' || a.kind, a.kind),
                               p.amount_nano_usd
                        from posting p join ledger_transaction t on t.id = p.transaction_id
                        join account a on a.id = p.account_id
                        where t.kind = 'reservation' and t.reference = $1""")
                .execute(Tuple.of(usageId)).await().atMost(Duration.ofSeconds(5))) {
            postings.merge(row.getString(0), row.getLong(1), Long::sum);
        }
        return postings;
    }

    private static String wallet(BillingFixture developer, String kind) {
        return developer.developerId + "/" + kind;
    }

    @Test
    void aPeriodDeliveredTwiceIsBookedOnceWithExactAmounts() throws Exception {
        String reservation = "reservation-" + UUID.randomUUID();
        ReservationUsage usage = period(reservation, 0, 30, List.of(operatorShare(0, 30), resellerShare(0, 30)));
        var record = buyer.send("usage", buyer.subject, usage);
        buyer.send(record);
        // The same period again under another CloudEvents id: its usage id is booked once as well.
        send(usage);
        // Behind all three on the buyer's partition: once it is booked, every delivery before it has been handled.
        ReservationUsage later = period(reservation, 30, 60, List.of(operatorShare(30, 60)));
        send(later);
        awaitBooked(later.getUsageId());

        assertEquals(1, booked(usage.getUsageId()));
        assertEquals(1, buyer.count("select count(*) from charge where usage_id = $1", usage.getUsageId()));
        // 20,576,131 + 25,000,000 = 45,576,131: fee 4,557,613.1 and sellers 41,018,517.9, the unit left over to the
        // larger remainder (the sellers'); their 41,018,518 split 20,576,131 : 25,000,000 is 18,518,518 and 22,500,000.
        assertEquals(45_576_131, usage.getCostNanoUsd());
        assertEquals(Map.of(wallet(buyer, "DEVELOPER_PAID"), -45_576_131L, operator, 18_518_518L,
                wallet(reseller, "DEVELOPER_PAID"), 22_500_000L, "PLATFORM_REVENUE", 4_557_613L),
                postingsOf(usage.getUsageId()));
        assertEquals(ONE_USD - 45_576_131 - 20_576_132, buyer.balance("DEVELOPER_PAID"));
        assertEquals(22_500_000, reseller.balance("DEVELOPER_PAID"), "the reseller's proceeds are its own money");

        List<ChargeApplied> charges = buyer.outboxPayloads(buyer.developerId, "computepool.billing.v1.ChargeApplied")
                .stream().map(ReservationUsageTest::chargeApplied)
                .filter(charge -> charge.getReservationUsageId().equals(usage.getUsageId())).toList();
        assertEquals(1, charges.size(), "one ChargeApplied however often the period arrives");
        ChargeApplied applied = charges.get(0);
        assertEquals(45_576_131, applied.getAmountNanoUsd());
        assertEquals("reservation.gpu_seconds", applied.getMeter());
        assertEquals(reservation, applied.getReservationId());
        assertEquals("H100_80GB", applied.getGpuModel());
        assertEquals("", applied.getRequestId());
        assertTrue(!applied.getUsageEventId().isEmpty(), "charged from the usage topic");
        assertEquals(START.getEpochSecond(), applied.getOccurredAt().getSeconds());
        // The operator's proceeds go to payment-svc, to be paid on chain from the GPU model's pool; the reseller's
        // are in its wallet already and announce nothing.
        List<OperatorEarned> earned = buyer.outboxPayloads(operator, "computepool.billing.v1.OperatorEarned").stream()
                .map(ReservationUsageTest::operatorEarned)
                .filter(earning -> earning.getChargeId().equals(applied.getChargeId())).toList();
        assertEquals(1, earned.size(), "one OperatorEarned per charge and operator: " + earned);
        assertEquals(18_518_518, earned.getFirst().getAmountNanoUsd(), "the operator's proceeds, to the nano-USD");
        assertEquals("gpu:H100_80GB", earned.getFirst().getModelId());
        assertEquals(EarningKind.RESERVATION, earned.getFirst().getKind());
        assertEquals(reservation, earned.getFirst().getReservationId());
        assertEquals(START.getEpochSecond(), earned.getFirst().getOccurredAt().getSeconds());
        assertTrue(buyer.outboxPayloads(reseller.subject, "computepool.billing.v1.OperatorEarned").isEmpty(),
                "a reseller is no operator");

        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/developers/" + reseller.developerId + "/invoices/"
                + MONTH).then().statusCode(200)
                .body("lines", empty())
                .body("totalNanoUsd", equalTo(0))
                .body("credits", hasSize(1))
                .body("credits[0].kind", equalTo("resale"))
                .body("credits[0].reservationId", equalTo(reservation))
                .body("credits[0].gpuModel", equalTo("H100_80GB"))
                .body("credits[0].gpuSeconds", equalTo(30))
                .body("credits[0].periodStart", equalTo("2026-05-04T10:00:00Z"))
                .body("credits[0].periodEnd", equalTo("2026-05-04T10:00:30Z"))
                .body("credits[0].costNanoUsd", equalTo(25_000_000))
                .body("credits[0].earnedNanoUsd", equalTo(22_500_000))
                .body("creditedNanoUsd", equalTo(22_500_000));
    }

    @Test
    void periodsOfOneReservationAddUpOnTheBuyersInvoiceAndTheOperatorsStatement() {
        String reservation = "reservation-" + UUID.randomUUID();
        List<ReservationUsage> periods = List.of(
                period(reservation, 0, 30, List.of(operatorShare(0, 30))),
                period(reservation, 30, 60, List.of(operatorShare(30, 60))),
                period(reservation, 60, 75, List.of(operatorShare(60, 75))));
        // Inference of the same developer in the same burst: polls holding both are charged one by one.
        String requestId = "req-" + UUID.randomUUID();
        periods.forEach(this::send);
        buyer.send("usage", buyer.developerId, buyer.usage(requestId, "2026-05-04T10:00:10Z"));
        periods.forEach(usage -> awaitBooked(usage.getUsageId()));
        buyer.awaitPostings(requestId);

        // However the seconds are cut into periods, the floors telescope to the cost of all 75 seconds.
        long cost = 20_576_131 + 20_576_132 + 10_288_065;
        assertEquals(shareCost(OPERATOR_PRICE, 2, 0, 75), cost);
        long earned = 18_518_518 + 18_518_519 + 9_259_258;
        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/developers/" + buyer.developerId + "/invoices/"
                + MONTH).then().statusCode(200)
                .body("lines", hasSize(2))
                .body("lines[0].kind", equalTo("usage"))
                .body("lines[0].meter", equalTo("inference.tokens"))
                .body("lines[0].amountNanoUsd", equalTo(236_800))
                .body("lines[1].kind", equalTo("reservation"))
                .body("lines[1].meter", equalTo("reservation.gpu_seconds"))
                .body("lines[1].reservationId", equalTo(reservation))
                .body("lines[1].gpuModel", equalTo("H100_80GB"))
                .body("lines[1].spot", equalTo(false))
                .body("lines[1].periods", equalTo(3))
                .body("lines[1].gpuSeconds", equalTo(2 * 75))
                .body("lines[1].periodStart", equalTo("2026-05-04T10:00:00Z"))
                .body("lines[1].periodEnd", equalTo("2026-05-04T10:01:15Z"))
                .body("lines[1].costNanoUsd", equalTo((int) cost))
                .body("lines[1].amountNanoUsd", equalTo((int) cost))
                .body("totalNanoUsd", equalTo((int) (cost + 236_800)))
                .body("paidNanoUsd", equalTo((int) (cost + 236_800)))
                .body("credits", empty());

        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/operators/" + operator + "/statements/" + MONTH)
                .then().statusCode(200)
                .body("lines", hasSize(1))
                .body("lines[0].kind", equalTo("reservation"))
                .body("lines[0].reservationId", equalTo(reservation))
                .body("lines[0].gpuModel", equalTo("H100_80GB"))
                .body("lines[0].periods", equalTo(3))
                .body("lines[0].gpuSeconds", equalTo(2 * 75))
                .body("lines[0].periodStart", equalTo("2026-05-04T10:00:00Z"))
                .body("lines[0].periodEnd", equalTo("2026-05-04T10:01:15Z"))
                .body("lines[0].costNanoUsd", equalTo((int) cost))
                .body("lines[0].earnedNanoUsd", equalTo((int) earned))
                .body("totalNanoUsd", equalTo((int) earned))
                .body("unpaidNanoUsd", equalTo((int) earned));
        assertEquals(cost - earned, buyer.count("""
                select sum(p.amount_nano_usd)::bigint from posting p
                join ledger_transaction t on t.id = p.transaction_id
                where t.kind = 'reservation' and t.reference like $1
                and p.account_id = '00000000-0000-0000-0000-00000000f001'""", reservation + "/%"),
                "the platform's fees of the three periods");
    }

    @Test
    void creditLimitedToReservationsPaysForThemAndCreditLimitedToInferenceDoesNot() {
        buyer.fund("subsidised", 30_000_000);
        String limits = "/v1/admin/developers/" + buyer.developerId + "/subsidised-credit";
        String reservation = "reservation-" + UUID.randomUUID();
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"meters\": [\"inference.tokens\"]}").put(limits).then().statusCode(200);
        ReservationUsage first = period(reservation, 0, 30, List.of(operatorShare(0, 30)));
        send(first);
        awaitBooked(first.getUsageId());
        assertEquals(Map.of(wallet(buyer, "DEVELOPER_PAID"), -20_576_131L, operator, 18_518_518L,
                "PLATFORM_REVENUE", 2_057_613L), postingsOf(first.getUsageId()));

        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"meters\": [\"reservation.gpu_seconds\"]}").put(limits).then().statusCode(200);
        ReservationUsage second = period(reservation, 30, 60, List.of(operatorShare(30, 60)));
        send(second);
        awaitBooked(second.getUsageId());
        assertEquals(Map.of(wallet(buyer, "DEVELOPER_SUBSIDISED"), -20_576_132L, operator, 18_518_519L,
                "PLATFORM_REVENUE", 2_057_613L), postingsOf(second.getUsageId()));

        // What is left of the credit pays first, then paid money the rest.
        ReservationUsage third = period(reservation, 60, 75, List.of(operatorShare(60, 75)));
        send(third);
        awaitBooked(third.getUsageId());
        long creditLeft = 30_000_000 - 20_576_132;
        assertEquals(Map.of(wallet(buyer, "DEVELOPER_SUBSIDISED"), -creditLeft,
                wallet(buyer, "DEVELOPER_PAID"), -(10_288_065 - creditLeft), operator, 9_259_258L,
                "PLATFORM_REVENUE", 1_028_807L), postingsOf(third.getUsageId()));
        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/developers/" + buyer.developerId + "/invoices/"
                + MONTH).then().statusCode(200)
                .body("totalNanoUsd", equalTo(20_576_131 + 20_576_132 + 10_288_065))
                .body("subsidisedNanoUsd", equalTo(30_000_000));
    }

    @Test
    void malformedReservationUsageIsParkedNamingTheFieldAndBooksNothing() {
        String reservation = "reservation-" + UUID.randomUUID();
        ReservationUsage good = period(reservation, 0, 30, List.of(operatorShare(0, 30), resellerShare(0, 30)));
        Map<String, UnaryOperator<ReservationUsage.Builder>> faults = Map.of(
                "usage_id", usage -> usage.setUsageId(" "),
                "period_end", usage -> usage.setPeriodEnd(usage.getPeriodStart()),
                "is in the future", usage -> usage.setPeriodEnd(Timestamp.newBuilder()
                        .setSeconds(Instant.now().plusSeconds(3600).getEpochSecond())),
                "cost_nano_usd must not be negative", usage -> usage.setCostNanoUsd(-1),
                "is not the sum of shares[].cost_nano_usd", usage -> usage.setCostNanoUsd(good.getCostNanoUsd() + 1),
                "shares[1].seller_kind", usage -> usage.setShares(1, usage.getShares(1).toBuilder()
                        .setSellerKind(ReservationShare.SellerKind.SELLER_KIND_UNSPECIFIED)),
                "shares[0].seller_id", usage -> usage.setShares(0, usage.getShares(0).toBuilder()
                        .setSellerId("someone-else")),
                "buyer_keycloak_subject", usage -> usage.setBuyerKeycloakSubject("nobody-" + UUID.randomUUID()),
                "shares[1].seller_id", usage -> usage.setShares(1, usage.getShares(1).toBuilder()
                        .setSellerId("nobody-" + UUID.randomUUID())));
        Map<String, String> usageIdsByKey = new HashMap<>();
        faults.forEach((field, fault) -> {
            String key = "malformed-" + UUID.randomUUID();
            ReservationUsage bad = fault.apply(good.toBuilder().setUsageId(reservation + "/" + key)).build();
            usageIdsByKey.put(key, bad.getUsageId());
            buyer.send("usage", key, bad);
            await().atMost(BillingFixture.EVENTUALLY).until(() -> buyer.parkedReasons(key).contains(field));
        });
        usageIdsByKey.values().forEach(usageId -> assertEquals(0, booked(usageId), usageId));
        assertEquals(0, buyer.count("select count(*) from charge where reservation_id = $1", reservation));
    }

    private static OperatorEarned operatorEarned(byte[] payload) {
        try {
            return OperatorEarned.parseFrom(payload);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ChargeApplied chargeApplied(byte[] payload) {
        try {
            return ChargeApplied.parseFrom(payload);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
