package computepool.billing.api;

import static computepool.auth.InternalCalls.assertRefused;
import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.auth.InternalCalls;
import computepool.billing.support.BillingFixture;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.PlaceHoldResponse;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.ReleaseHoldRequest;
import computepool.billing.v1.SettleHoldRequest;
import computepool.billing.v1.SettleHoldResponse;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.usage.v1.InferenceUsage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Holds over gRPC, on the real database and broker. At the fixture's prices a request of 1234 prompt tokens that may
 * generate 1000 completion tokens holds 123,400 + 200,000 = 323,400 nano-USD; its usage of 567 completion tokens
 * costs 236,800. Holds stay open 5 s in tests.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class HoldServiceTest {

    private static final long MAX_COST = 323_400;
    private static final long COST = 236_800;

    @Inject
    Pool database;

    @Inject
    GrpcServer grpc;

    private BillingFixture fixture;
    private ManagedChannel channel;
    private HoldServiceGrpc.HoldServiceBlockingStub holds;

    @BeforeEach
    void setUp() {
        fixture = new BillingFixture(database).started();
        channel = InternalCalls.channel(grpc.getPort());
        holds = InternalCalls.bearing(HoldServiceGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"));
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        fixture.close();
        assertEquals(0, fixture.unbalancedTransactions());
        assertEquals(0, fixture.walletBalancesOff(), "wallet balances are the sums of their postings");
        assertTrue(fixture.balance("DEVELOPER_PAID") >= 0, "no wallet below zero");
        assertTrue(fixture.balance("DEVELOPER_SUBSIDISED") >= 0, "no wallet below zero");
    }

    private PlaceHoldRequest.Builder request(String requestId, long maxCompletionTokens) {
        return PlaceHoldRequest.newBuilder()
                .setRequestId(requestId)
                .setDeveloperId(fixture.developerId)
                .setModelId(fixture.model)
                .setPromptTokens(1234)
                .setMaxCompletionTokens(maxCompletionTokens);
    }

    private PlaceHoldResponse place(String requestId) {
        return holds.placeHold(request(requestId, 1000).build());
    }

    private InferenceUsage usageNow(String requestId) {
        return fixture.usage(requestId, Instant.now().toString());
    }

    private SettleHoldResponse settle(PlaceHoldResponse placed, String requestId) {
        return holds.settleHold(SettleHoldRequest.newBuilder().setHoldId(placed.getHold().getHoldId())
                .setUsage(usageNow(requestId)).build());
    }

    private String state(String requestId) {
        return database.preparedQuery("select state from hold where request_id = $1")
                .execute(Tuple.of(requestId)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getString(0);
    }

    @Test
    void aHoldCoversTheMaximumAndSettlingChargesTheUsageAtTheQuotedPriceOnce() {
        fixture.fund("paid", 1_000_000);
        String request = "req-" + UUID.randomUUID();
        PlaceHoldResponse placed = place(request);
        assertTrue(placed.hasHold(), placed.toString());
        assertEquals(MAX_COST, placed.getHold().getAmountNanoUsd());
        assertEquals(placed, place(request), "asking again returns the same hold");

        // A price raised after the hold was placed does not reach its request.
        fixture.price(Instant.now().toString(), 900_000_000, 900_000_000);
        SettleHoldResponse settled = settle(placed, request);
        assertEquals(COST, settled.getChargedNanoUsd());
        assertEquals(MAX_COST - COST, settled.getReleasedNanoUsd());
        assertEquals("SETTLED", state(request));
        assertEquals(1_000_000 - COST, fixture.balance("DEVELOPER_PAID"));

        // The usage's own event, later, and a second settle charge nothing more.
        fixture.send("usage", fixture.developerId, usageNow(request));
        String marker = "req-" + UUID.randomUUID();
        fixture.send("usage", fixture.developerId, usageNow(marker));
        fixture.awaitPostings(marker);
        assertEquals(0, settle(placed, request).getChargedNanoUsd());
        assertEquals(1, fixture.count("select count(*) from ledger_transaction where reference = $1", request));
        assertEquals(-COST, fixture.postingsOf(request).get("DEVELOPER_PAID"));
    }

    @Test
    void withoutFundsForTheMaximumAHoldIsRefusedWithWhatIsAvailable() {
        fixture.fund("paid", 500_000);
        assertTrue(place("req-" + UUID.randomUUID()).hasHold());
        PlaceHoldResponse refused = place("req-" + UUID.randomUUID());
        assertTrue(refused.hasInsufficientFunds(), refused.toString());
        assertEquals(MAX_COST, refused.getInsufficientFunds().getRequiredNanoUsd());
        assertEquals(500_000 - MAX_COST, refused.getInsufficientFunds().getAvailableNanoUsd());
        assertEquals("inference.tokens", refused.getInsufficientFunds().getMeter());
        // 1234 prompt + 100 completion tokens: 143,400 fits in the 176,600 left.
        assertTrue(holds.placeHold(request("req-" + UUID.randomUUID(), 100).build()).hasHold());

        PlaceHoldResponse stranger = holds.placeHold(request("req-" + UUID.randomUUID(), 1)
                .setDeveloperId(UUID.randomUUID().toString()).build());
        assertEquals(0, stranger.getInsufficientFunds().getAvailableNanoUsd(), "a developer without wallets has nothing");
    }

    @Test
    void concurrentHoldsNeverPromiseMoreThanTheWalletsHold() throws Exception {
        fixture.fund("paid", 3 * MAX_COST);
        fixture.fund("subsidised", 2 * MAX_COST + MAX_COST / 2);
        List<Callable<PlaceHoldResponse>> asks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String request = "req-" + UUID.randomUUID();
            asks.add(() -> place(request));
        }
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<PlaceHoldResponse> placed = new ArrayList<>();
        try {
            for (Future<PlaceHoldResponse> answer : threads.invokeAll(asks)) {
                if (answer.get().hasHold()) {
                    placed.add(answer.get());
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(5, placed.size(), "five maximum costs fit in 5.5");
        // Every request then uses its whole maximum: 1234 prompt and 1000 completion tokens.
        for (PlaceHoldResponse hold : placed) {
            assertEquals(MAX_COST, holds.settleHold(SettleHoldRequest.newBuilder()
                    .setHoldId(hold.getHold().getHoldId())
                    .setUsage(usageNow(hold.getHold().getRequestId()).toBuilder().setCompletionTokens(1000)).build())
                    .getChargedNanoUsd());
        }
        assertEquals(MAX_COST / 2, fixture.balance("DEVELOPER_PAID") + fixture.balance("DEVELOPER_SUBSIDISED"));
        assertEquals(0, fixture.balance("DEVELOPER_SUBSIDISED"), "subsidised credit is spent first");
    }

    @Test
    void anUnsettledHoldExpiresFreesItsAmountAndUsageArrivingLaterTakesOnlyWhatIsLeft() {
        fixture.fund("paid", MAX_COST);
        String forgotten = "req-" + UUID.randomUUID();
        PlaceHoldResponse first = place(forgotten);
        assertTrue(first.hasHold());
        assertTrue(place("req-" + UUID.randomUUID()).hasInsufficientFunds());
        await().atMost(Duration.ofSeconds(15)).until(() -> "EXPIRED".equals(state(forgotten)));
        PlaceHoldResponse second = place("req-" + UUID.randomUUID());
        assertTrue(second.hasHold(), "the expired hold's amount is free again");

        // The forgotten request's usage comes late: the open second hold keeps everything there is.
        SettleHoldResponse late = settle(first, forgotten);
        assertEquals(0, late.getChargedNanoUsd());
        assertEquals("SETTLED", state(forgotten));
        assertEquals(MAX_COST, fixture.balance("DEVELOPER_PAID"));
    }

    @Test
    void aHoldAskedToLastAsLongAsItsSessionOutlivesTheTtlAndItsRequestIsChargedInFull() {
        fixture.fund("paid", MAX_COST);
        String longRunning = "req-" + UUID.randomUUID();
        // The session may run 8 s, longer than the 5 s TTL.
        PlaceHoldResponse held = holds.placeHold(request(longRunning, 1000).setHoldSeconds(8).build());
        assertTrue(Duration.between(Instant.now(), Instant.ofEpochSecond(held.getHold().getExpiresAt().getSeconds()))
                .toSeconds() >= 6, "expires at " + held.getHold().getExpiresAt());
        await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(7)).until(() -> true);

        // Past the TTL the session's funds are still its own: a parallel request cannot spend them.
        assertEquals("PLACED", state(longRunning));
        assertTrue(place("req-" + UUID.randomUUID()).hasInsufficientFunds(), "the funds are held still");
        assertEquals(COST, settle(held, longRunning).getChargedNanoUsd(), "charged in full");
        assertEquals(MAX_COST - COST, fixture.balance("DEVELOPER_PAID"));

        assertRefused(Status.Code.INVALID_ARGUMENT, () -> holds.placeHold(request("req-" + UUID.randomUUID(), 1)
                .setHoldSeconds(3601).build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> holds.placeHold(request("req-" + UUID.randomUUID(), 1)
                .setHoldSeconds(-1).build()));
    }

    @Test
    void aReleasedHoldFreesItsAmountAtOnce() {
        fixture.fund("paid", MAX_COST);
        String request = "req-" + UUID.randomUUID();
        PlaceHoldResponse placed = place(request);
        assertEquals("RELEASED", holds.releaseHold(ReleaseHoldRequest.newBuilder()
                .setHoldId(placed.getHold().getHoldId()).build()).getState());
        assertEquals("RELEASED", holds.releaseHold(ReleaseHoldRequest.newBuilder()
                .setHoldId(placed.getHold().getHoldId()).build()).getState());
        assertTrue(place("req-" + UUID.randomUUID()).hasHold());
    }

    @Test
    void subsidisedCreditLimitedToOtherMetersDoesNotPayForInference() {
        fixture.fund("subsidised", 10 * MAX_COST);
        String limits = "/v1/admin/developers/" + fixture.developerId + "/subsidised-credit";
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"meters\": [\"sandbox.seconds\"]}").put(limits)
                .then().statusCode(200).body("meters", contains("sandbox.seconds"));
        PlaceHoldResponse refused = place("req-" + UUID.randomUUID());
        assertEquals(0, refused.getInsufficientFunds().getAvailableNanoUsd());

        fixture.fund("paid", MAX_COST);
        String paidFor = "req-" + UUID.randomUUID();
        settle(place(paidFor), paidFor);
        assertEquals(MAX_COST - COST, fixture.balance("DEVELOPER_PAID"), "charged to the paid wallet");
        assertEquals(10 * MAX_COST, fixture.balance("DEVELOPER_SUBSIDISED"));

        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"meters\": [\"inference.tokens\", \"sandbox.seconds\"]}").put(limits).then().statusCode(200);
        String subsidised = "req-" + UUID.randomUUID();
        settle(place(subsidised), subsidised);
        assertEquals(10 * MAX_COST - COST, fixture.balance("DEVELOPER_SUBSIDISED"));

        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"meters\": []}").put(limits).then().statusCode(200).body("meters", empty());
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"meters\": [\"inference.tokens\", \"gpu.hours\"]}").put(limits)
                .then().spec(badRequestNaming("meters[1]"));
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{}").put(limits).then().spec(badRequestNaming("meters"));
        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/developers/" + UUID.randomUUID()
                + "/subsidised-credit").then().spec(problem(404));
        given().auth().oauth2(TestLogins.developer()).get(limits).then().spec(problem(403));
    }

    @Test
    void aKeycloakLoginPaysFromItsDevelopersWallets() {
        fixture.fund("paid", MAX_COST);
        PlaceHoldResponse placed = holds.placeHold(request("req-" + UUID.randomUUID(), 1000)
                .setKeycloakSubject(fixture.subject).build());
        assertTrue(placed.hasHold(), placed.toString());
        assertTrue(place("req-" + UUID.randomUUID()).hasInsufficientFunds(), "the same developer's funds are held");
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndLeaveNothing() {
        fixture.fund("paid", 10 * MAX_COST);
        assertInvalid("request_id", request("", 10));
        assertInvalid("model_id", request("r-" + UUID.randomUUID(), 10).setModelId(" "));
        assertInvalid("prompt_tokens", request("r-" + UUID.randomUUID(), 10).setPromptTokens(-1));
        assertInvalid("max_completion_tokens", request("r-" + UUID.randomUUID(), -5));
        assertInvalid("developer_id", request("r-" + UUID.randomUUID(), 10).setDeveloperId("dev-7"));
        assertInvalid("payer", request("r-" + UUID.randomUUID(), 10).clearPayer());
        StatusRuntimeException unpriced = assertThrows(StatusRuntimeException.class,
                () -> holds.placeHold(request("r-" + UUID.randomUUID(), 10).setModelId("unpriced-model").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, unpriced.getStatus().getCode());
        assertTrue(unpriced.getStatus().getDescription().contains("unpriced-model"));

        String request = "req-" + UUID.randomUUID();
        PlaceHoldResponse placed = place(request);
        StatusRuntimeException otherRequest = assertThrows(StatusRuntimeException.class, () -> holds.settleHold(
                SettleHoldRequest.newBuilder().setHoldId(placed.getHold().getHoldId())
                        .setUsage(usageNow("req-" + UUID.randomUUID())).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, otherRequest.getStatus().getCode());
        StatusRuntimeException otherModel = assertThrows(StatusRuntimeException.class, () -> holds.settleHold(
                SettleHoldRequest.newBuilder().setHoldId(placed.getHold().getHoldId())
                        .setUsage(usageNow(request).toBuilder().setModelId("another")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, otherModel.getStatus().getCode());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> holds.settleHold(
                SettleHoldRequest.newBuilder().setHoldId(UUID.randomUUID().toString())
                        .setUsage(usageNow(request)).build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertEquals(0, fixture.count("select count(*) from ledger_transaction where reference = $1", request));
        assertEquals("PLACED", state(request));
        assertEquals(1, fixture.count("select count(*) from hold where paid_account_id = (select id from account "
                + "where developer_id = $1::uuid and kind = 'DEVELOPER_PAID')", UUID.fromString(fixture.developerId)));
    }

    @Test
    void onlyAGatewayMayHoldSettleReleaseOrQuoteAndARefusedCallLeavesNothing() {
        fixture.fund("paid", 10 * MAX_COST);
        String request = "req-" + UUID.randomUUID();
        PlaceHoldResponse placed = place(request);
        HoldServiceGrpc.HoldServiceBlockingStub anonymous = HoldServiceGrpc.newBlockingStub(channel);
        String developer = TestLogins.developer();
        String probe = "req-" + UUID.randomUUID();
        for (var refusal : List.of(
                Map.entry(Status.Code.UNAUTHENTICATED, anonymous),
                Map.entry(Status.Code.UNAUTHENTICATED, InternalCalls.bearing(anonymous, InternalCalls.forgedToken())),
                Map.entry(Status.Code.PERMISSION_DENIED, InternalCalls.bearing(anonymous, developer)))) {
            HoldServiceGrpc.HoldServiceBlockingStub stranger = refusal.getValue();
            assertRefused(refusal.getKey(), () -> stranger.placeHold(request(probe, 1000).build()));
            assertRefused(refusal.getKey(), () -> stranger.settleHold(SettleHoldRequest.newBuilder()
                    .setHoldId(placed.getHold().getHoldId()).setUsage(usageNow(request)).build()));
            assertRefused(refusal.getKey(), () -> stranger.releaseHold(ReleaseHoldRequest.newBuilder()
                    .setHoldId(placed.getHold().getHoldId()).build()));
            assertRefused(refusal.getKey(), () -> stranger.quote(QuoteRequest.newBuilder().setModelId(fixture.model)
                    .setPromptTokens(1).setMaxCompletionTokens(1).build()));
        }
        assertEquals(0, fixture.count("select count(*) from hold where request_id = $1", probe));
        assertEquals("PLACED", state(request), "no stranger settled or released the gateway's hold");
        assertEquals(0, fixture.count("select count(*) from ledger_transaction where reference = $1", request));
        assertEquals(10 * MAX_COST, fixture.balance("DEVELOPER_PAID"));

        assertEquals(COST, settle(placed, request).getChargedNanoUsd(), "the gateway's own calls still work");
    }

    private void assertInvalid(String field, PlaceHoldRequest.Builder request) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> holds.placeHold(request.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().startsWith(field), refused.getStatus().getDescription());
    }
}
