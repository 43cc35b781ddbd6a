package computepool.gateway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import computepool.billing.v1.Hold;
import computepool.billing.v1.HoldService;
import computepool.billing.v1.InsufficientFunds;
import computepool.billing.v1.Lease;
import computepool.billing.v1.LeaseFundsRequest;
import computepool.billing.v1.LeaseFundsResponse;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.PlaceHoldResponse;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.QuoteResponse;
import computepool.billing.v1.ReleaseHoldRequest;
import computepool.billing.v1.ReleaseHoldResponse;
import computepool.billing.v1.ReleaseLeaseRequest;
import computepool.billing.v1.ReleaseLeaseResponse;
import computepool.billing.v1.SettleHoldRequest;
import computepool.billing.v1.SettleHoldResponse;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.auth.Caller;
import computepool.gateway.config.GatewayConfig;
import computepool.gateway.inference.OwnTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's admission of requests out of its funds leases, against a billing of reference (funds, leases and
 * holds as billing-svc keeps them, in memory, answering when the test says so): a developer's first request waits
 * for one growth that concurrent requests share, the next ones are admitted without asking billing, each request's
 * hold comes out of the lease, and a developer who cannot pay is answered 402 with what it can spend.
 */
class HoldsTest {

    /** At 100 nano-USD per million prompt tokens and 200 per million completion tokens, in whole nano-USD here. */
    private static final long PROMPT_PRICE = 1_000_000;
    private static final long COMPLETION_PRICE = 2_000_000;
    private static final Caller DEVELOPER = Caller.byKey("9f7e3b9c-0000-4000-8000-000000000001", "key",
            new Caller.Limits(60, 100_000));

    private final Vertx vertx = Vertx.vertx();
    private final ReferenceBilling billing = new ReferenceBilling();
    private final FundsLeases leases = new FundsLeases(billing, new LeaseSettings(), Clock.systemUTC(), vertx);
    private final Holds holds = new Holds(billing, leases, new ModelPrices(billing, Duration.ofSeconds(10)),
            new OwnTime(new SimpleMeterRegistry()), Duration.ofMinutes(11));

    @AfterEach
    void closeVertx() {
        vertx.close();
    }

    @Test
    void concurrentFirstRequestsShareOneGrowthAndLaterOnesAskBillingNothing() throws Exception {
        billing.funds = 10_000;
        billing.answerLeasesLater = true;
        // 10 prompt and 20 completion tokens: 10 + 40 = 50 nano-USD each.
        List<CompletableFuture<Holds.Admitted>> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            first.add(holds.admit("req-" + i, DEVELOPER, "model", 10, 20).subscribeAsCompletionStage());
        }
        assertEquals(1, billing.leaseCalls.get(), "one growth for all three");
        billing.answerLeases();
        for (CompletableFuture<Holds.Admitted> admitted : first) {
            assertEquals(50, admitted.get().amountNanoUsd());
            assertTrue(admitted.get().hold().await().atMost(Duration.ofSeconds(5)).isPresent());
        }
        assertEquals(32 * 50 - 3 * 50, billing.leased, "grown to 32 requests' worth, three of them held since");
        billing.answerLeasesLater = false;
        int asked = billing.leaseCalls.get();
        for (int i = 3; i < 20; i++) {
            Holds.Admitted admitted = holds.admit("req-" + i, DEVELOPER, "model", 10, 20).await()
                    .atMost(Duration.ofSeconds(5));
            Hold hold = admitted.hold().await().atMost(Duration.ofSeconds(5)).orElseThrow();
            assertEquals(billing.leaseId, hold.getLeaseId(), "each hold comes out of the lease");
        }
        assertEquals(asked, billing.leaseCalls.get(), "admitted out of the lease without asking billing");
        assertEquals(20, billing.holdsOutOfLease);
        assertEquals(10_000, billing.funds + billing.leased + billing.held, "nothing held twice, nothing lost");
    }

    @Test
    void aDeveloperWhoCannotPayIsAnswered402WithWhatItCanSpendAndHoldsNothing() {
        billing.funds = 120;
        holds.admit("req-a", DEVELOPER, "model", 10, 20).await().atMost(Duration.ofSeconds(5));
        holds.admit("req-b", DEVELOPER, "model", 10, 20).await().atMost(Duration.ofSeconds(5));
        OpenAiException refused = assertThrows(OpenAiException.class,
                () -> holds.admit("req-c", DEVELOPER, "model", 10, 20).await().atMost(Duration.ofSeconds(5)));
        assertEquals(402, refused.status().getStatusCode());
        assertTrue(refused.getMessage().contains("may cost up to 0.00000005 USD")
                && refused.getMessage().contains("can spend 0.00000002 USD"), refused.getMessage());
        assertEquals(2, billing.holdsOutOfLease + billing.holdsFromFunds);
    }

    @Test
    void aLeaseBillingEndedIsReplacedByANewOne() {
        billing.funds = 10_000;
        holds.admit("req-a", DEVELOPER, "model", 10, 20).await().atMost(Duration.ofSeconds(5));
        String firstLease = billing.leaseId;
        billing.endLease();
        // The gateway still counts the old lease: the next hold falls back to the developer's other funds, and the
        // request after it opens a new lease before it is admitted.
        Holds.Admitted fallback = holds.admit("req-b", DEVELOPER, "model", 10, 20).await()
                .atMost(Duration.ofSeconds(5));
        assertEquals("", fallback.hold().await().atMost(Duration.ofSeconds(5)).orElseThrow().getLeaseId());
        Holds.Admitted next = holds.admit("req-c", DEVELOPER, "model", 10, 20).await().atMost(Duration.ofSeconds(5));
        assertTrue(!firstLease.equals(billing.leaseId), "a new lease was opened");
        assertEquals(billing.leaseId, next.hold().await().atMost(Duration.ofSeconds(5)).orElseThrow().getLeaseId());
        assertEquals(10_000, billing.funds + billing.leased + billing.held, "nothing held twice, nothing lost");
    }

    /** Funds, one lease and holds, as billing-svc keeps them; lease answers held back on request. */
    private static final class ReferenceBilling implements HoldService {

        long funds;
        long leased;
        long held;
        String leaseId;
        boolean leaseEnded;
        int holdsOutOfLease;
        int holdsFromFunds;
        boolean answerLeasesLater;
        final AtomicInteger leaseCalls = new AtomicInteger();
        private final List<Runnable> heldBack = new ArrayList<>();
        private final Map<String, Hold> byRequest = new HashMap<>();

        synchronized void answerLeases() {
            heldBack.forEach(Runnable::run);
            heldBack.clear();
        }

        synchronized void endLease() {
            funds += leased;
            leased = 0;
            leaseEnded = true;
        }

        @Override
        public synchronized Uni<LeaseFundsResponse> leaseFunds(LeaseFundsRequest request) {
            leaseCalls.incrementAndGet();
            if (request.getLeaseId().equals(leaseId) && leaseEnded) {
                return Uni.createFrom().failure(Status.FAILED_PRECONDITION.asRuntimeException());
            }
            if (!request.getLeaseId().equals(leaseId)) {
                leaseId = request.getLeaseId();
                leaseEnded = false;
            }
            LeaseFundsResponse answer;
            if (funds < request.getAtLeastNanoUsd()) {
                answer = LeaseFundsResponse.newBuilder().setInsufficientFunds(InsufficientFunds.newBuilder()
                        .setRequiredNanoUsd(request.getAtLeastNanoUsd()).setAvailableNanoUsd(funds)).build();
            } else {
                long granted = Math.min(funds, request.getWantedNanoUsd());
                funds -= granted;
                leased += granted;
                Instant until = Instant.now().plusSeconds(request.getLeaseSeconds());
                answer = LeaseFundsResponse.newBuilder().setLease(Lease.newBuilder().setLeaseId(leaseId)
                        .setAmountNanoUsd(leased).setGrantedNanoUsd(granted)
                        .setExpiresAt(Timestamp.newBuilder().setSeconds(until.getEpochSecond()))).build();
            }
            if (!answerLeasesLater) {
                return Uni.createFrom().item(answer);
            }
            CompletableFuture<LeaseFundsResponse> later = new CompletableFuture<>();
            heldBack.add(() -> later.complete(answer));
            return Uni.createFrom().completionStage(later);
        }

        @Override
        public synchronized Uni<PlaceHoldResponse> placeHold(PlaceHoldRequest request) {
            Hold existing = byRequest.get(request.getRequestId());
            if (existing != null) {
                return Uni.createFrom().item(PlaceHoldResponse.newBuilder().setHold(existing).build());
            }
            long amount = request.getPromptTokens() * PROMPT_PRICE / 1_000_000
                    + request.getMaxCompletionTokens() * COMPLETION_PRICE / 1_000_000;
            Hold.Builder hold = Hold.newBuilder().setHoldId("hold-" + request.getRequestId())
                    .setRequestId(request.getRequestId()).setAmountNanoUsd(amount);
            if (request.getLeaseId().equals(leaseId) && !leaseEnded && leased >= amount) {
                leased -= amount;
                hold.setLeaseId(leaseId);
                holdsOutOfLease++;
            } else if (funds >= amount) {
                funds -= amount;
                holdsFromFunds++;
            } else {
                return Uni.createFrom().item(PlaceHoldResponse.newBuilder().setInsufficientFunds(
                        InsufficientFunds.newBuilder().setRequiredNanoUsd(amount).setAvailableNanoUsd(funds))
                        .build());
            }
            held += amount;
            byRequest.put(request.getRequestId(), hold.build());
            return Uni.createFrom().item(PlaceHoldResponse.newBuilder().setHold(hold).build());
        }

        @Override
        public Uni<QuoteResponse> quote(QuoteRequest request) {
            return Uni.createFrom().item(QuoteResponse.newBuilder()
                    .setPromptNanoUsdPerMillionTokens(PROMPT_PRICE)
                    .setCompletionNanoUsdPerMillionTokens(COMPLETION_PRICE).build());
        }

        @Override
        public Uni<SettleHoldResponse> settleHold(SettleHoldRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Uni<ReleaseHoldResponse> releaseHold(ReleaseHoldRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public synchronized Uni<ReleaseLeaseResponse> releaseLease(ReleaseLeaseRequest request) {
            long freed = leased;
            endLease();
            return Uni.createFrom().item(ReleaseLeaseResponse.newBuilder().setFreedNanoUsd(freed).build());
        }
    }

    private static final class LeaseSettings implements GatewayConfig.FundsLeases {

        @Override
        public int requests() {
            return 32;
        }

        @Override
        public Duration duration() {
            return Duration.ofMinutes(2);
        }

        @Override
        public Duration idle() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Duration priceTtl() {
            return Duration.ofSeconds(10);
        }
    }
}
