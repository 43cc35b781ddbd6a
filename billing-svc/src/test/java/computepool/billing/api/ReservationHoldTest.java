package computepool.billing.api;

import static computepool.auth.InternalCalls.assertRefused;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import computepool.auth.InternalCalls;
import computepool.billing.support.BillingFixture;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.PlaceReservationHoldRequest;
import computepool.billing.v1.PlaceReservationHoldResponse;
import computepool.billing.v1.ReleaseReservationHoldRequest;
import computepool.billing.v1.ReservationHoldServiceGrpc;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.market.v1.BuyClosed;
import computepool.market.v1.OrderFilled;
import computepool.market.v1.OrderPlaced;
import computepool.market.v1.ReservationEnded;
import computepool.usage.v1.ReservationShare;
import computepool.usage.v1.ReservationUsage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Market buys' holds: placed over gRPC by market-svc, kept by the market's events from the real broker to what each
 * buy can still cost, drawn on by its reservation's periods. The buyer's funds are read back through a hold that
 * cannot fit, whose refusal names what is available. Pending holds lapse after 3 s in tests.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class ReservationHoldTest {

    private static final long ONE_USD = 1_000_000_000;
    private static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

    @Inject
    Pool database;

    @Inject
    GrpcServer grpc;

    private BillingFixture buyer;
    private ManagedChannel channel;
    private ReservationHoldServiceGrpc.ReservationHoldServiceBlockingStub market;

    @BeforeEach
    void setUp() {
        buyer = new BillingFixture(database).started();
        channel = InternalCalls.channel(grpc.getPort());
        market = InternalCalls.bearing(ReservationHoldServiceGrpc.newBlockingStub(channel),
                TestLogins.service("market-svc"));
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        buyer.close();
        assertEquals(0, buyer.unbalancedTransactions());
        assertEquals(0, buyer.walletBalancesOff(), "wallet balances are the sums of their postings");
        assertTrue(buyer.balance("DEVELOPER_PAID") >= 0, "no wallet below zero");
    }

    private PlaceReservationHoldResponse place(UUID buy, long amount) {
        return market.placeReservationHold(PlaceReservationHoldRequest.newBuilder().setBuyOrderId(buy.toString())
                .setBuyerKeycloakSubject(buyer.subject).setAmountNanoUsd(amount).build());
    }

    /** What the buyer can still spend on reservations, as a hold too large to fit is told. */
    private long available() {
        PlaceReservationHoldResponse refused = place(UUID.randomUUID(), Long.MAX_VALUE / 2);
        assertTrue(refused.hasInsufficientFunds(), "a hold of " + Long.MAX_VALUE / 2 + " fits: " + refused);
        return refused.getInsufficientFunds().getAvailableNanoUsd();
    }

    private void awaitAvailable(long expected) {
        await().atMost(BillingFixture.EVENTUALLY).until(() -> available() == expected);
    }

    private void market(com.google.protobuf.Message event) {
        buyer.send("market", buyer.subject, event);
    }

    private void placedInTheBook(UUID buy) {
        market(OrderPlaced.newBuilder().setOrderId(buy.toString()).setSide(OrderPlaced.Side.BUY)
                .setOwnerId(buyer.subject).setGpuModel("H100_80GB").setGpuCount(1).build());
        await().atMost(BillingFixture.EVENTUALLY).until(() -> buyer.count("select count(*) from reservation_hold "
                + "where buy_order_id = $1::uuid and pending_until is null", buy.toString()) == 1);
    }

    private void filled(UUID buy, long cost) {
        market(OrderFilled.newBuilder().setBuyOrderId(buy.toString()).setBuyerId(buyer.subject)
                .setReservationId("reservation-" + buy).setCostNanoUsd(cost).build());
    }

    /** The period [START + from, START + to) of the buy's reservation: one GPU at 2 USD per GPU-hour. */
    private ReservationUsage period(UUID buy, long fromSecond, long toSecond, ReservationShare.SellerKind kind,
            String seller) {
        long cost = 2 * ONE_USD * toSecond / 3600 - 2 * ONE_USD * fromSecond / 3600;
        String operator = kind == ReservationShare.SellerKind.OPERATOR ? seller : "operator-of-" + seller;
        return ReservationUsage.newBuilder()
                .setUsageId("reservation-" + buy + "/" + (START.getEpochSecond() + fromSecond))
                .setReservationId("reservation-" + buy)
                .setBuyOrderId(buy.toString())
                .setBuyerKeycloakSubject(buyer.subject)
                .setGpuModel("H100_80GB")
                .setPeriodStart(Timestamp.newBuilder().setSeconds(START.getEpochSecond() + fromSecond))
                .setPeriodEnd(Timestamp.newBuilder().setSeconds(START.getEpochSecond() + toSecond))
                .setGpuSeconds(toSecond - fromSecond)
                .setCostNanoUsd(cost)
                .addShares(ReservationShare.newBuilder().setSellerId(seller).setSellerKind(kind)
                        .setOperatorId(operator).setNodeId("node-" + buy).setGpuCount(1)
                        .setPriceNanoUsdPerGpuHour(2 * ONE_USD).setCostNanoUsd(cost))
                .build();
    }

    /** What the period took from the buyer's paid wallet, once booked. */
    private long collected(ReservationUsage usage) {
        buyer.send("usage", buyer.subject, usage);
        await().atMost(BillingFixture.EVENTUALLY).until(() -> buyer.count("select count(*) from ledger_transaction "
                + "where kind = 'reservation' and reference = $1", usage.getUsageId()) == 1);
        Row row = database.preparedQuery("""
                        select coalesce(sum(p.amount_nano_usd), 0) from posting p
                        join ledger_transaction t on t.id = p.transaction_id join account a on a.id = p.account_id
                        where t.kind = 'reservation' and t.reference = $1 and a.developer_id = $2::uuid
                          and a.kind = 'DEVELOPER_PAID'""")
                .execute(Tuple.of(usage.getUsageId(), buyer.developerId)).await().atMost(Duration.ofSeconds(5))
                .iterator().next();
        return -row.getLong(0);
    }

    @Test
    void aBuyIsHeldOnlyOnFundsThatCoverItsMostCostAndItsHoldKeepsThemFromEveryOtherMeter() {
        // Six dollars for the buy and 300,000 nano-USD besides: less than an inference request's 323,400.
        buyer.fund("paid", 6 * ONE_USD + 300_000);
        UUID buy = UUID.randomUUID();

        PlaceReservationHoldResponse refused = place(buy, 7 * ONE_USD);
        assertEquals(7 * ONE_USD, refused.getInsufficientFunds().getRequiredNanoUsd());
        assertEquals(6 * ONE_USD + 300_000, refused.getInsufficientFunds().getAvailableNanoUsd());
        assertEquals("reservation.gpu_seconds", refused.getInsufficientFunds().getMeter());
        assertEquals(0, buyer.count("select count(*) from reservation_hold where buy_order_id = $1::uuid",
                buy.toString()), "a refused hold leaves nothing");

        PlaceReservationHoldResponse held = place(buy, 6 * ONE_USD);
        assertEquals(6 * ONE_USD, held.getHold().getAmountNanoUsd());
        assertTrue(held.getHold().hasPendingUntil(), "pending until the book takes the buy");
        assertEquals(6 * ONE_USD, place(buy, 6 * ONE_USD).getHold().getAmountNanoUsd(), "asked again: the same");
        assertEquals(1, buyer.count("select count(*) from reservation_hold where buy_order_id = $1::uuid",
                buy.toString()));
        placedInTheBook(buy);
        assertEquals(300_000, available());

        var inference = InternalCalls.bearing(HoldServiceGrpc.newBlockingStub(channel),
                TestLogins.service("gateway-svc")).placeHold(PlaceHoldRequest.newBuilder()
                .setRequestId("req-" + UUID.randomUUID()).setDeveloperId(buyer.developerId).setModelId(buyer.model)
                .setPromptTokens(1234).setMaxCompletionTokens(1000).build());
        assertTrue(inference.hasInsufficientFunds(), "the buy's hold is not the gateway's to spend");
        assertEquals(300_000, inference.getInsufficientFunds().getAvailableNanoUsd());
    }

    @Test
    void aStrangerCannotHoldOrReleaseAnyonesFunds() {
        buyer.fund("paid", ONE_USD);
        PlaceReservationHoldRequest request = PlaceReservationHoldRequest.newBuilder()
                .setBuyOrderId(UUID.randomUUID().toString()).setBuyerKeycloakSubject(buyer.subject)
                .setAmountNanoUsd(ONE_USD).build();
        var gateway = InternalCalls.bearing(ReservationHoldServiceGrpc.newBlockingStub(channel),
                TestLogins.service("gateway-svc"));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> gateway.placeReservationHold(request));
        var developer = InternalCalls.bearing(ReservationHoldServiceGrpc.newBlockingStub(channel),
                TestLogins.developer());
        assertRefused(Status.Code.PERMISSION_DENIED, () -> developer.placeReservationHold(request));
        var forged = InternalCalls.bearing(ReservationHoldServiceGrpc.newBlockingStub(channel),
                InternalCalls.forgedToken());
        assertRefused(Status.Code.UNAUTHENTICATED, () -> forged.placeReservationHold(request));
        var anonymous = ReservationHoldServiceGrpc.newBlockingStub(channel);
        assertRefused(Status.Code.UNAUTHENTICATED, () -> anonymous.placeReservationHold(request));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> anonymous.releaseReservationHold(
                ReleaseReservationHoldRequest.newBuilder().setBuyOrderId(request.getBuyOrderId()).build()));
        assertEquals(0, buyer.count("select count(*) from reservation_hold where buy_order_id = $1::uuid",
                request.getBuyOrderId()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> market.placeReservationHold(request.toBuilder()
                .setAmountNanoUsd(0).build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> market.placeReservationHold(request.toBuilder()
                .setBuyOrderId("not-a-uuid").build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> market.placeReservationHold(request.toBuilder()
                .setBuyerKeycloakSubject("").build()));
    }

    @Test
    void everyPeriodOfAFundedReservationIsCollectedInFullWhateverElseIsHeld() {
        // A buy that may cost 3 USD fills for 2 (one GPU-hour at 2 USD): the dollar it will not need is free again.
        buyer.fund("paid", 3 * ONE_USD);
        UUID buy = UUID.randomUUID();
        place(buy, 3 * ONE_USD);
        assertEquals(0, available());
        placedInTheBook(buy);
        filled(buy, 2 * ONE_USD);
        awaitAvailable(ONE_USD);
        // That dollar goes to another buy: nothing is spendable besides the first buy's hold.
        UUID other = UUID.randomUUID();
        assertTrue(place(other, ONE_USD).hasHold());
        placedInTheBook(other);
        assertEquals(0, available());

        // Each half hour costs 1 USD, collected from the hold the buy set aside for it.
        assertEquals(ONE_USD, collected(period(buy, 0, 1800, ReservationShare.SellerKind.OPERATOR, "op-" + buy)));
        assertEquals(0, available());
        assertEquals(ONE_USD, collected(period(buy, 1800, 3600, ReservationShare.SellerKind.OPERATOR, "op-" + buy)));
        assertEquals(0, available(), "the other buy still holds the last dollar");
        assertEquals(ONE_USD, buyer.balance("DEVELOPER_PAID"));

        // The other buy leaves the book unfilled; its dollar is free, however often that is told.
        BuyClosed closed = BuyClosed.newBuilder().setBuyOrderId(other.toString()).setBuyerId(buyer.subject)
                .setReason(BuyClosed.Reason.UNFILLED).build();
        market(closed);
        market(closed);
        awaitAvailable(ONE_USD);
    }

    @Test
    void usageFromTheUsageTopicCannotSpendWhatABuyHolds() {
        // Two dollars for the buy and 100,000 nano-USD besides; an inference request's usage costs 236,800.
        buyer.fund("paid", 2 * ONE_USD + 100_000);
        UUID buy = UUID.randomUUID();
        place(buy, 2 * ONE_USD);
        placedInTheBook(buy);
        String request = "req-" + UUID.randomUUID();
        buyer.send("usage", buyer.developerId, buyer.usage(request, Instant.now().toString()));

        assertEquals(-100_000L, buyer.awaitPostings(request).get("DEVELOPER_PAID"), "only what the buy leaves");
        filled(buy, 2 * ONE_USD);
        assertEquals(2 * ONE_USD, collected(period(buy, 0, 3600, ReservationShare.SellerKind.OPERATOR, "op-" + buy)));
    }

    @Test
    void aResoldHourIsPaidFromItsNewBuyersHoldToTheReseller() {
        BillingFixture reseller = new BillingFixture(database).started();
        try {
            buyer.fund("paid", 2 * ONE_USD);
            UUID buy = UUID.randomUUID();
            place(buy, 2 * ONE_USD);
            placedInTheBook(buy);
            filled(buy, 2 * ONE_USD);

            assertEquals(2 * ONE_USD, collected(period(buy, 0, 3600, ReservationShare.SellerKind.RESELLER,
                    reseller.subject)));
            assertEquals(0, buyer.balance("DEVELOPER_PAID"));
            // The reseller's proceeds: the period less the platform's 10 %.
            assertEquals(2 * ONE_USD - 2 * ONE_USD / 10, reseller.balance("DEVELOPER_PAID"));
            assertEquals(0, available());
        } finally {
            reseller.close();
        }
    }

    @Test
    void theHoursGivenUpAreFreedOnceWhileThoseUsedStayPaid() {
        buyer.fund("paid", 2 * ONE_USD);
        UUID buy = UUID.randomUUID();
        place(buy, 2 * ONE_USD);
        placedInTheBook(buy);
        filled(buy, 2 * ONE_USD);
        assertEquals(ONE_USD, collected(period(buy, 0, 1800, ReservationShare.SellerKind.OPERATOR, "op-" + buy)));
        assertEquals(0, available());

        // Given up after the first half hour (say): the second is refunded, told twice.
        ReservationEnded ended = ReservationEnded.newBuilder().setReservationId("reservation-" + buy)
                .setBuyOrderId(buy.toString()).setBuyerId(buyer.subject).setReason(ReservationEnded.Reason.CANCELLED)
                .setRefundNanoUsd(ONE_USD).build();
        market(ended);
        market(ended);
        awaitAvailable(ONE_USD);
        assertEquals(ONE_USD, buyer.balance("DEVELOPER_PAID"));
    }

    @Test
    void aHoldTheBookNeverTookLapsesAndOnlyAPendingHoldIsReleased() {
        buyer.fund("paid", 2 * ONE_USD);
        UUID refusedByTheBook = UUID.randomUUID();
        place(refusedByTheBook, ONE_USD);
        assertEquals(ONE_USD, available());
        assertTrue(market.releaseReservationHold(ReleaseReservationHoldRequest.newBuilder()
                .setBuyOrderId(refusedByTheBook.toString()).build()).getReleased());
        assertEquals(2 * ONE_USD, available());

        UUID taken = UUID.randomUUID();
        place(taken, ONE_USD);
        placedInTheBook(taken);
        assertFalse(market.releaseReservationHold(ReleaseReservationHoldRequest.newBuilder()
                .setBuyOrderId(taken.toString()).build()).getReleased(), "the book has the buy");
        assertEquals(ONE_USD, available());

        // market-svc stopped between holding and placing: the hold lapses, and asking again holds anew.
        UUID forgotten = UUID.randomUUID();
        place(forgotten, ONE_USD);
        assertEquals(0, available());
        awaitAvailable(ONE_USD);
        assertTrue(place(forgotten, ONE_USD).hasHold());
        assertEquals(0, available());
    }
}
