package computepool.billing.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.billing.support.BillingFixture;
import computepool.billing.v1.BalanceLow;
import computepool.billing.v1.ChargeApplied;
import computepool.billing.v1.OperatorEarned;
import computepool.billing.v1.OperatorSlashed;
import computepool.billing.v1.PayoutSettled;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invoices, statements, usage and ledger reports, and the events of each charge. The developer here is the one the
 * test login signs in as. Each request of the fixture costs 236,800 nano-USD: 23,680 platform fee, 53,280 to
 * operator a, 159,840 to operator b.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class ReportsAndEventsTest {

    private static final long COST = 236_800;
    private static final long ONE_USD = 1_000_000_000;

    @Inject
    Pool database;

    private BillingFixture fixture;
    private String developerToken;

    @BeforeEach
    void setUp() {
        developerToken = TestLogins.developer();
        fixture = new BillingFixture(database, BillingFixture.subjectOf(developerToken)).started();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        assertEquals(0, fixture.unbalancedTransactions());
        assertEquals(0, fixture.walletBalancesOff(), "wallet balances are the sums of their postings");
    }

    private void charge(String requestId, String endedAt) {
        fixture.send("usage", fixture.developerId, fixture.usage(requestId, endedAt));
        fixture.awaitPostings(requestId);
    }

    @Test
    void eachChargePublishesItsChargeItsEarningsAndOnceTheBalanceGoesLow() throws Exception {
        // One charge and a nano-USD above the default threshold of 1 USD: the second charge crosses it.
        fixture.fund("paid", ONE_USD + COST + 1);
        String first = "req-" + UUID.randomUUID();
        charge(first, "2026-03-01T12:00:00Z");
        assertTrue(fixture.outboxPayloads(fixture.developerId, "computepool.billing.v1.BalanceLow").isEmpty());
        String second = "req-" + UUID.randomUUID();
        charge(second, "2026-03-01T12:00:01Z");
        String third = "req-" + UUID.randomUUID();
        charge(third, "2026-03-01T12:00:02Z");

        List<byte[]> charges = fixture.outboxPayloads(fixture.developerId, "computepool.billing.v1.ChargeApplied");
        assertEquals(3, charges.size());
        ChargeApplied applied = ChargeApplied.parseFrom(charges.get(0));
        assertEquals(first, applied.getRequestId());
        assertEquals(COST, applied.getAmountNanoUsd());
        assertEquals("inference.tokens", applied.getMeter());
        assertEquals(fixture.model, applied.getModelId());
        assertTrue(!applied.getUsageEventId().isEmpty(), "charged from the usage topic");

        List<byte[]> earned = fixture.outboxPayloads("op-b-" + fixture.developerId,
                "computepool.billing.v1.OperatorEarned");
        assertEquals(3, earned.size());
        OperatorEarned earning = OperatorEarned.parseFrom(earned.get(0));
        assertEquals(159_840, earning.getAmountNanoUsd());
        assertEquals(applied.getChargeId(), earning.getChargeId());
        assertEquals(fixture.model, earning.getModelId());

        List<byte[]> low = fixture.outboxPayloads(fixture.developerId, "computepool.billing.v1.BalanceLow");
        assertEquals(1, low.size(), "once per crossing");
        BalanceLow balanceLow = BalanceLow.parseFrom(low.get(0));
        assertEquals(ONE_USD + 1 - COST, balanceLow.getBalanceNanoUsd());
        assertEquals(ONE_USD, balanceLow.getThresholdNanoUsd());
        assertEquals(ChargeApplied.parseFrom(charges.get(1)).getChargeId(), balanceLow.getChargeId());
    }

    @Test
    void aSettledPayoutLowersTheOperatorsUnpaidEarningsOnceHoweverOftenItArrives() {
        fixture.fund("paid", ONE_USD);
        charge("req-" + UUID.randomUUID(), "2026-03-02T12:00:00Z");
        String operator = "op-b-" + fixture.developerId;
        PayoutSettled payout = PayoutSettled.newBuilder()
                .setPayoutId(UUID.randomUUID().toString())
                .setOperatorId(operator)
                .setAmountNanoUsd(159_000)
                .setEpoch(7)
                .setPayoutAddress("0x" + "a".repeat(40))
                .setTokenAmount("159000000000000")
                .setSettledAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_780_000_000L))
                .build();

        var record = fixture.send("payment", operator, payout);
        fixture.send(record);
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.count(
                "select count(*) from ledger_transaction where kind = 'payout' and reference = $1", payout.getPayoutId()) == 1);

        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/operators/" + operator + "/statements/2026-03")
                .then().statusCode(200)
                .body("totalNanoUsd", equalTo(159_840))
                .body("unpaidNanoUsd", equalTo(840));
        assertEquals(1, fixture.count("select count(*) from ledger_transaction where kind = 'payout' and reference = $1",
                payout.getPayoutId()));
    }

    @Test
    void aSlashedOperatorsForfeitLowersItsUnpaidEarningsOnceHoweverOftenItArrives() {
        fixture.fund("paid", ONE_USD);
        charge("req-" + UUID.randomUUID(), "2026-03-03T12:00:00Z");
        String operator = "op-b-" + fixture.developerId;
        OperatorSlashed slashed = OperatorSlashed.newBuilder()
                .setForfeitureId(UUID.randomUUID().toString())
                .setOperatorId(operator)
                .setWorkerId("worker-" + UUID.randomUUID())
                .setModelId(fixture.model)
                .setForfeitedNanoUsd(100_000)
                .setSessionStartedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_780_000_000L))
                .setLostAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_780_000_100L))
                .build();

        var record = fixture.send("payment", operator, slashed);
        fixture.send(record);
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.count(
                "select count(*) from ledger_transaction where kind = 'forfeit' and reference = $1",
                slashed.getForfeitureId()) == 1);

        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/operators/" + operator + "/statements/2026-03")
                .then().statusCode(200)
                .body("totalNanoUsd", equalTo(159_840))
                .body("unpaidNanoUsd", equalTo(59_840));
        assertEquals(1, fixture.count("select count(*) from ledger_transaction where kind = 'forfeit' and reference = $1",
                slashed.getForfeitureId()));
        assertEquals(100_000, fixture.count("""
                select coalesce(sum(p.amount_nano_usd), 0)::bigint from posting p join ledger_transaction t on t.id = p.transaction_id
                where t.reference = $1 and p.account_id = '00000000-0000-0000-0000-00000000f006'""",
                slashed.getForfeitureId()));
    }

    @Test
    void invoicesStatementsUsageAndLedgerAddUpToTheCharges() {
        fixture.fund("subsidised", 100_000);
        fixture.fund("paid", ONE_USD);
        charge("req-" + UUID.randomUUID(), "2026-03-01T12:00:00Z");
        charge("req-" + UUID.randomUUID(), "2026-03-31T23:59:59Z");
        String april = "req-" + UUID.randomUUID();
        charge(april, "2026-04-01T00:00:00Z");

        given().auth().oauth2(developerToken).get("/v1/invoices/me/2026-03").then().statusCode(200)
                .body("developerId", equalTo(fixture.developerId))
                .body("status", equalTo("CLOSED"))
                .body("lines", hasSize(1))
                .body("lines[0].meter", equalTo("inference.tokens"))
                .body("lines[0].modelId", equalTo(fixture.model))
                .body("lines[0].requests", equalTo(2))
                .body("lines[0].promptTokens", equalTo(2 * 1234))
                .body("lines[0].completionTokens", equalTo(2 * 567))
                .body("totalNanoUsd", equalTo((int) (2 * COST)))
                .body("subsidisedNanoUsd", equalTo(100_000))
                .body("paidNanoUsd", equalTo((int) (2 * COST - 100_000)));
        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/developers/" + fixture.developerId
                + "/invoices/2026-04").then().statusCode(200)
                .body("totalNanoUsd", equalTo((int) COST)).body("subsidisedNanoUsd", equalTo(0));

        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/operators/op-a-" + fixture.developerId
                + "/statements/2026-03").then().statusCode(200)
                .body("lines[0].charges", equalTo(2))
                .body("lines[0].earnedNanoUsd", equalTo(2 * 53_280))
                .body("totalNanoUsd", equalTo(2 * 53_280))
                .body("unpaidNanoUsd", equalTo(3 * 53_280));

        given().auth().oauth2(developerToken).queryParam("from", "2026-03-01").queryParam("to", "2026-04-30")
                .get("/v1/usage/me").then().statusCode(200)
                .body("days.date", contains("2026-03-01", "2026-03-31", "2026-04-01"))
                .body("days.amountNanoUsd", contains((int) COST, (int) COST, (int) COST));

        // Newest first: the two top-ups of today, then April's charge.
        given().auth().oauth2(developerToken).queryParam("limit", 3).get("/v1/ledger/me").then().statusCode(200)
                .body("entries.kind", contains("top-up", "top-up", "inference"))
                .body("entries[2].reference", equalTo(april))
                .body("entries[2].wallet", equalTo("paid"))
                .body("entries[2].amountNanoUsd", equalTo((int) -COST));
        // March's charges: the first was paid partly from subsidised credit, so it has two entries.
        given().auth().oauth2(developerToken).queryParam("before", "2026-04-01T00:00:00Z").get("/v1/ledger/me")
                .then().statusCode(200)
                .body("entries", hasSize(3))
                .body("entries[0].occurredAt", equalTo("2026-03-31T23:59:59Z"));
    }

    @Test
    void badParametersAreRefusedNamingThem() {
        given().auth().oauth2(developerToken).get("/v1/invoices/me/2026-13").then().spec(badRequestNaming("month"));
        given().auth().oauth2(developerToken).queryParam("limit", 0).get("/v1/ledger/me")
                .then().spec(badRequestNaming("limit"));
        given().auth().oauth2(developerToken).queryParam("before", "yesterday").get("/v1/ledger/me")
                .then().spec(badRequestNaming("before"));
        given().auth().oauth2(developerToken).queryParam("from", "2026-04-02").queryParam("to", "2026-04-01")
                .get("/v1/usage/me").then().spec(badRequestNaming("to"));
        given().auth().oauth2(developerToken).queryParam("from", "2026-04-31").get("/v1/usage/me")
                .then().spec(badRequestNaming("from"));
        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/operators/nobody-" + UUID.randomUUID()
                + "/statements/2026-03").then().spec(problem(404));
        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/developers/" + UUID.randomUUID()
                + "/invoices/2026-03").then().spec(problem(404));
        given().auth().oauth2(developerToken).get("/v1/admin/developers/" + fixture.developerId
                + "/invoices/2026-03").then().spec(problem(403));
        given().get("/v1/invoices/me/2026-03").then().spec(problem(401));
    }
}
