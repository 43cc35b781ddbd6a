package computepool.billing.api;

import static computepool.auth.InternalCalls.assertRefused;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.auth.InternalCalls;
import computepool.billing.support.BillingFixture;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.LeaseFundsRequest;
import computepool.billing.v1.LeaseFundsResponse;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.PlaceHoldResponse;
import computepool.billing.v1.ReleaseHoldRequest;
import computepool.billing.v1.ReleaseLeaseRequest;
import computepool.billing.v1.SettleHoldRequest;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gateways' funds leases over gRPC, on the real database and broker: a lease holds part of a developer's funds, each
 * request's hold comes out of it without the wallets being asked again, and nothing is ever held twice. At the
 * fixture's prices a request of 1234 prompt and 1000 completion tokens holds 323,400 nano-USD; its usage (567
 * completion tokens) costs 236,800.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class FundsLeaseTest {

    private static final long MAX_COST = 323_400;
    private static final long COST = 236_800;

    @Inject
    Pool database;

    @Inject
    GrpcServer grpc;

    private BillingFixture fixture;
    private ManagedChannel channel;
    private HoldServiceGrpc.HoldServiceBlockingStub gateway;

    @BeforeEach
    void setUp() {
        fixture = new BillingFixture(database).started();
        channel = InternalCalls.channel(grpc.getPort());
        gateway = InternalCalls.bearing(HoldServiceGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"));
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        fixture.close();
        assertEquals(0, fixture.unbalancedTransactions());
        assertEquals(0, fixture.walletBalancesOff(), "wallet balances are the sums of their postings");
        assertTrue(fixture.balance("DEVELOPER_PAID") >= 0, "no wallet below zero");
    }

    private LeaseFundsRequest.Builder lease(UUID lease, long atLeast, long wanted) {
        return LeaseFundsRequest.newBuilder().setLeaseId(lease.toString()).setDeveloperId(fixture.developerId)
                .setAtLeastNanoUsd(atLeast).setWantedNanoUsd(wanted).setLeaseSeconds(60);
    }

    private PlaceHoldRequest.Builder hold(String requestId) {
        return PlaceHoldRequest.newBuilder().setRequestId(requestId).setDeveloperId(fixture.developerId)
                .setModelId(fixture.model).setPromptTokens(1234).setMaxCompletionTokens(1000);
    }

    private PlaceHoldResponse holdOutOf(UUID lease, String requestId) {
        return gateway.placeHold(hold(requestId).setLeaseId(lease.toString()).build());
    }

    private long leaseAmount(UUID lease) {
        return fixture.count("select amount_nano_usd from funds_lease where id = $1::uuid", lease.toString());
    }

    @Test
    void holdsComeOutOfTheLeaseUntilItIsShortThenOutOfTheOtherFundsAndNothingIsHeldTwice() {
        fixture.fund("paid", 5 * MAX_COST);
        UUID lease = UUID.randomUUID();
        LeaseFundsResponse granted = gateway.leaseFunds(lease(lease, MAX_COST, 3 * MAX_COST).build());
        assertEquals(3 * MAX_COST, granted.getLease().getAmountNanoUsd());
        assertEquals(3 * MAX_COST, granted.getLease().getGrantedNanoUsd());
        assertTrue(granted.getLease().getExpiresAt().getSeconds() >= Instant.now().getEpochSecond() + 55);

        List<PlaceHoldResponse> leased = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PlaceHoldResponse placed = holdOutOf(lease, "req-" + UUID.randomUUID());
            assertEquals(lease.toString(), placed.getHold().getLeaseId(), "hold " + i + " comes out of the lease");
            assertEquals(MAX_COST, placed.getHold().getAmountNanoUsd());
            leased.add(placed);
        }
        // The lease is empty: the next hold is the other funds' (2 maximum costs are free).
        PlaceHoldResponse fromFunds = holdOutOf(lease, "req-" + UUID.randomUUID());
        assertEquals("", fromFunds.getHold().getLeaseId());
        assertTrue(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasHold());
        PlaceHoldResponse refused = gateway.placeHold(hold("req-" + UUID.randomUUID()).build());
        assertEquals(0, refused.getInsufficientFunds().getAvailableNanoUsd(), "five holds took all five");
        LeaseFundsResponse noMore = gateway.leaseFunds(lease(lease, 1, MAX_COST).build());
        assertEquals(1, noMore.getInsufficientFunds().getRequiredNanoUsd());
        assertEquals(0, noMore.getInsufficientFunds().getAvailableNanoUsd());

        // A settled hold's unspent part is the developer's again, not the lease's: the lease may grow by exactly it.
        PlaceHoldResponse settled = leased.get(0);
        assertEquals(COST, gateway.settleHold(SettleHoldRequest.newBuilder().setHoldId(settled.getHold().getHoldId())
                .setUsage(fixture.usage(settled.getHold().getRequestId(), Instant.now().toString())).build())
                .getChargedNanoUsd(), "a hold out of a lease is charged in full");
        LeaseFundsResponse regrown = gateway.leaseFunds(lease(lease, 0, 10 * MAX_COST).build());
        assertEquals(MAX_COST - COST, regrown.getLease().getGrantedNanoUsd());
        assertEquals(MAX_COST - COST, regrown.getLease().getAmountNanoUsd());
        assertEquals(5 * MAX_COST - COST, fixture.balance("DEVELOPER_PAID"));
    }

    @Test
    void askingAgainGrowsTheSameLeaseAndAReleasedLeaseFreesWhatItHoldsAndNeverGrowsAgain() {
        fixture.fund("paid", 4 * MAX_COST);
        UUID lease = UUID.randomUUID();
        gateway.leaseFunds(lease(lease, MAX_COST, MAX_COST).build());
        LeaseFundsResponse again = gateway.leaseFunds(lease(lease, MAX_COST, MAX_COST).build());
        assertEquals(2 * MAX_COST, again.getLease().getAmountNanoUsd());
        assertEquals(1, fixture.count("select count(*) from funds_lease where id = $1::uuid", lease.toString()));
        // Two of the four are free for holds of the developer's other funds, and no more.
        assertTrue(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasHold());
        assertTrue(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasHold());
        assertTrue(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasInsufficientFunds(),
                "the lease's two are not the other holds'");

        assertEquals(2 * MAX_COST, gateway.releaseLease(ReleaseLeaseRequest.newBuilder()
                .setLeaseId(lease.toString()).setDeveloperId(fixture.developerId).build()).getFreedNanoUsd());
        assertTrue(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasHold(), "freed at once");
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> gateway.leaseFunds(lease(lease, 0, MAX_COST).build()));
        PlaceHoldResponse afterRelease = holdOutOf(lease, "req-" + UUID.randomUUID());
        assertEquals("", afterRelease.getHold().getLeaseId(), "a released lease funds nothing");
    }

    @Test
    void aLeaseLapsesAtItsExpiryAndUsageFromTheUsageTopicCannotSpendWhatALeaseHolds() {
        fixture.fund("paid", MAX_COST + 100_000);
        UUID brief = UUID.randomUUID();
        gateway.leaseFunds(lease(brief, MAX_COST, MAX_COST).setLeaseSeconds(2).build());
        assertTrue(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasInsufficientFunds());
        AtomicReference<PlaceHoldResponse> afterExpiry = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            afterExpiry.set(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()));
            return afterExpiry.get().hasHold();
        });
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> gateway.leaseFunds(lease(brief, 0, 1).build()));
        gateway.releaseHold(ReleaseHoldRequest.newBuilder().setHoldId(afterExpiry.get().getHold().getHoldId())
                .build());

        // The same funds leased again: a charge from the usage topic (no hold) cannot spend them.
        gateway.leaseFunds(lease(UUID.randomUUID(), MAX_COST, MAX_COST).build());
        String request = "req-" + UUID.randomUUID();
        fixture.send("usage", fixture.developerId, fixture.usage(request, Instant.now().toString()));
        assertEquals(-100_000L, fixture.awaitPostings(request).get("DEVELOPER_PAID"), "only what the lease leaves");
    }

    @Test
    void aLeaseIsItsDevelopersAloneAndOnlyAGatewayMayLeaseOrRelease() {
        fixture.fund("paid", 4 * MAX_COST);
        BillingFixture other = new BillingFixture(database).started();
        try {
            other.fund("paid", 4 * MAX_COST);
            UUID lease = UUID.randomUUID();
            gateway.leaseFunds(lease(lease, MAX_COST, 2 * MAX_COST).build());
            String probe = "req-" + UUID.randomUUID();
            assertRefused(Status.Code.INVALID_ARGUMENT, () -> gateway.placeHold(hold(probe)
                    .setDeveloperId(other.developerId).setModelId(other.model).setLeaseId(lease.toString()).build()));
            assertRefused(Status.Code.INVALID_ARGUMENT, () -> gateway.leaseFunds(lease(lease, 0, MAX_COST)
                    .setDeveloperId(other.developerId).build()));
            assertRefused(Status.Code.INVALID_ARGUMENT, () -> gateway.releaseLease(ReleaseLeaseRequest.newBuilder()
                    .setLeaseId(lease.toString()).setDeveloperId(other.developerId).build()));
            assertEquals(0, fixture.count("select count(*) from hold where request_id = $1", probe));
            assertEquals(2 * MAX_COST, leaseAmount(lease), "no other developer took or freed any of it");

            HoldServiceGrpc.HoldServiceBlockingStub anonymous = HoldServiceGrpc.newBlockingStub(channel);
            UUID strangers = UUID.randomUUID();
            for (var refusal : List.of(
                    Map.entry(Status.Code.UNAUTHENTICATED, anonymous),
                    Map.entry(Status.Code.UNAUTHENTICATED, InternalCalls.bearing(anonymous,
                            InternalCalls.forgedToken())),
                    Map.entry(Status.Code.PERMISSION_DENIED, InternalCalls.bearing(anonymous, TestLogins.developer())),
                    Map.entry(Status.Code.PERMISSION_DENIED, InternalCalls.bearing(anonymous,
                            TestLogins.service("market-svc"))))) {
                HoldServiceGrpc.HoldServiceBlockingStub stranger = refusal.getValue();
                assertRefused(refusal.getKey(), () -> stranger.leaseFunds(lease(strangers, 0, MAX_COST).build()));
                assertRefused(refusal.getKey(), () -> stranger.releaseLease(ReleaseLeaseRequest.newBuilder()
                        .setLeaseId(lease.toString()).setDeveloperId(fixture.developerId).build()));
            }
            assertEquals(0, fixture.count("select count(*) from funds_lease where id = $1::uuid",
                    strangers.toString()));
            assertEquals(2 * MAX_COST, leaseAmount(lease), "no stranger released the gateway's lease");
        } finally {
            other.close();
        }
    }

    @Test
    void badLeaseRequestsAreRefusedNamingTheFieldAndLeaveNothing() {
        fixture.fund("paid", 4 * MAX_COST);
        UUID lease = UUID.randomUUID();
        assertInvalid("lease_id", lease(lease, 0, 1).setLeaseId("not-a-uuid"));
        assertInvalid("at_least_nano_usd", lease(lease, -1, 1));
        assertInvalid("wanted_nano_usd", lease(lease, 5, 4));
        assertInvalid("lease_seconds", lease(lease, 0, 1).setLeaseSeconds(0));
        assertInvalid("lease_seconds", lease(lease, 0, 1).setLeaseSeconds(3601));
        assertInvalid("payer", lease(lease, 0, 1).clearDeveloperId());
        assertEquals(0, fixture.count("select count(*) from funds_lease where id = $1::uuid", lease.toString()));
        StatusRuntimeException badHold = assertThrows(StatusRuntimeException.class,
                () -> gateway.placeHold(hold("req-" + UUID.randomUUID()).setLeaseId("nope").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badHold.getStatus().getCode());
        assertTrue(badHold.getStatus().getDescription().startsWith("lease_id"));
        assertFalse(gateway.placeHold(hold("req-" + UUID.randomUUID()).build()).hasInsufficientFunds());
    }

    private void assertInvalid(String field, LeaseFundsRequest.Builder request) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> gateway.leaseFunds(request.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().startsWith(field), refused.getStatus().getDescription());
    }
}
