package computepool.billing.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.problemNaming;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import computepool.billing.support.BillingFixture;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.usage.v1.InferenceUsage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code InferenceUsage} from the real broker into the ledger. Prices: 0.1 USD per million prompt tokens and 0.2 per
 * million completion tokens, so 1234 + 567 tokens cost 236,800 nano-USD: 23,680 platform fee (10 %), 213,120 for
 * the operators by layers × milliseconds. Each developer starts with 1 USD paid in.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class UsageIngestionTest {

    private static final long PAID_IN = 1_000_000_000;

    @Inject
    Pool database;

    private BillingFixture fixture;
    private String model;
    private String developerId;

    @BeforeEach
    void setUp() {
        fixture = new BillingFixture(database).started();
        model = fixture.model;
        developerId = fixture.developerId;
        fixture.fund("paid", PAID_IN);
    }

    @AfterEach
    void everyTransactionBalances() {
        fixture.close();
        assertEquals(0, fixture.unbalancedTransactions());
        assertEquals(0, fixture.walletBalancesOff(), "wallet balances are the sums of their postings");
    }

    private void price(String validFrom, long prompt, long completion) {
        fixture.price(validFrom, prompt, completion);
    }

    private InferenceUsage usage(String requestId, String endedAt) {
        return fixture.usage(requestId, endedAt);
    }

    private ProducerRecord<String, byte[]> send(String topic, String key, Message payload) {
        return fixture.send(topic, key, payload);
    }

    private ProducerRecord<String, byte[]> send(ProducerRecord<String, byte[]> record) {
        return fixture.send(record);
    }

    private Map<String, Long> postingsOf(String requestId) {
        return fixture.postingsOf(requestId);
    }

    private Map<String, Long> awaitPostings(String requestId) {
        return fixture.awaitPostings(requestId);
    }

    private long count(String sql, String value) {
        return fixture.count(sql, value);
    }

    @Test
    void aRequestIsChargedAndItsEarningsSplitExactly() {
        String request = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(request, "2026-03-01T12:00:00Z"));
        assertEquals(Map.of("DEVELOPER_PAID", -236_800L, "PLATFORM_REVENUE", 23_680L,
                "op-a-" + developerId, 53_280L, "op-b-" + developerId, 159_840L), awaitPostings(request));
    }

    @Test
    void aDuplicateDeliveryAndASecondEventOfTheSameRequestChargeOnce() {
        String request = "req-" + UUID.randomUUID();
        ProducerRecord<String, byte[]> record = send("usage", developerId, usage(request, "2026-03-01T12:00:00Z"));
        send(record);
        send("usage", developerId, usage(request, "2026-03-01T12:00:00Z"));
        String marker = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(marker, "2026-03-01T12:00:01Z"));
        awaitPostings(marker);
        assertEquals(1, count("select count(*) from ledger_transaction where reference = $1", request));
        assertEquals(-236_800L, postingsOf(request).get("DEVELOPER_PAID"));
    }

    @Test
    void eventsOutOfOrderAreChargedAtThePriceOfTheirOwnTime() {
        price("2026-06-01T00:00:00Z", 200_000_000, 400_000_000);
        String late = "req-" + UUID.randomUUID();
        String early = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(late, "2026-06-02T00:00:00Z"));
        send("usage", developerId, usage(early, "2026-05-31T23:59:59Z"));
        assertEquals(-473_600L, awaitPostings(late).get("DEVELOPER_PAID"));
        assertEquals(-236_800L, awaitPostings(early).get("DEVELOPER_PAID"));
    }

    @Test
    void unknownDevelopersAndUnpricedModelsAreParkedWithTheReasonAndTheConsumerGoesOn() {
        String stranger = UUID.randomUUID().toString();
        String unknownDeveloper = "req-" + UUID.randomUUID();
        send("usage", stranger, usage(unknownDeveloper, "2026-03-01T12:00:00Z").toBuilder()
                .setDeveloperId(stranger).build());
        String unpriced = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(unpriced, "2026-03-01T12:00:00Z").toBuilder()
                .setModelId("no-such-model").build());
        String before = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(before, "2025-12-31T23:59:59Z"));
        String after = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(after, "2026-03-01T12:00:00Z"));

        awaitPostings(after);
        await().atMost(BillingFixture.EVENTUALLY).until(() -> count(
                "select count(*) from parked_event where consumer = 'billing-usage' and record_key = $1", stranger) == 1);
        assertTrue(fixture.parkedReasons(stranger).contains("unknown developer " + stranger), fixture.parkedReasons(stranger));
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.parkedReasons(developerId).contains("no price of model 'no-such-model'"));
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.parkedReasons(developerId).contains("no price of model '" + model
                + "' is valid at 2025-12-31T23:59:59Z"));
        assertTrue(postingsOf(unknownDeveloper).isEmpty());
        assertTrue(postingsOf(unpriced).isEmpty());
        assertTrue(postingsOf(before).isEmpty());
    }

    @Test
    void aBurstIsChargedAPollAtATimeOncePerEventAndRequest() {
        double batchedBefore = batchedEvents();
        List<String> requests = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String request = "req-" + UUID.randomUUID();
            requests.add(request);
            sent.add(send("usage", developerId, usage(request, "2026-03-01T12:00:00Z")));
        }
        // Redelivered records and second events of some requests, in the middle of the burst.
        for (int i = 0; i < 20; i++) {
            send(sent.get(i));
            send("usage", developerId, usage(requests.get(i), "2026-03-01T12:00:00Z"));
        }
        String marker = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(marker, "2026-03-01T12:00:01Z"));
        awaitPostings(marker);
        assertEquals(301, count("""
                select count(*) from charge where developer_id = $1::uuid""", developerId));
        assertEquals(PAID_IN - 301 * 236_800L, count("""
                select coalesce(sum(p.amount_nano_usd), 0) from posting p join account a on a.id = p.account_id
                where a.developer_id = $1::uuid and a.kind = 'DEVELOPER_PAID'""", developerId));
        assertEquals(301 * 53_280L, count("""
                select coalesce(sum(p.amount_nano_usd), 0) from posting p join account a on a.id = p.account_id
                where a.operator_id = $1""", "op-a-" + developerId));
        assertTrue(batchedEvents() > batchedBefore, "some polls were charged in one transaction");
    }

    private static double batchedEvents() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher counter = Pattern.compile("computepool_billing_usage_events_total\\{path=\"batched\"[^}]*} (\\S+)")
                .matcher(metrics);
        return counter.find() ? Double.parseDouble(counter.group(1)) : 0;
    }

    @Test
    void theLedgerIsAppendOnly() {
        String request = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(request, "2026-03-01T12:00:00Z"));
        awaitPostings(request);
        String refusal = database.preparedQuery("update posting set amount_nano_usd = 1 where transaction_id = "
                        + "(select id from ledger_transaction where reference = $1)")
                .execute(Tuple.of(request)).onItem().transform(rows -> "updated")
                .onFailure().recoverWithItem(Throwable::getMessage)
                .await().atMost(Duration.ofSeconds(5));
        assertTrue(refusal.contains("append-only"), refusal);
        assertEquals(-236_800L, postingsOf(request).get("DEVELOPER_PAID"));
    }

    private ValidatableResponse topUp(String developer, String wallet, long amount, String reference) {
        return fixture.topUp(developer, wallet, amount, reference);
    }

    @Test
    void subsidisedCreditIsSpentBeforePaidMoney() {
        topUp(developerId, "subsidised", 100_000, "grant-" + UUID.randomUUID()).statusCode(201)
                .body("balanceNanoUsd", equalTo(100_000));
        topUp(developerId, "paid", 1_000_000, "payment-" + UUID.randomUUID()).statusCode(201);
        String request = "req-" + UUID.randomUUID();
        send("usage", developerId, usage(request, "2026-03-01T12:00:00Z"));
        Map<String, Long> postings = awaitPostings(request);
        assertEquals(-100_000L, postings.get("DEVELOPER_SUBSIDISED"));
        assertEquals(-136_800L, postings.get("DEVELOPER_PAID"));
        assertEquals(PAID_IN + 1_000_000 - 136_800, count("""
                select coalesce(sum(p.amount_nano_usd), 0) from posting p join account a on a.id = p.account_id
                where a.developer_id = $1::uuid and a.kind = 'DEVELOPER_PAID'""", developerId));
    }

    @Test
    void topUpsAreForAdministratorsBookedOncePerReferenceAndCheckedField() {
        String reference = "payment-" + UUID.randomUUID();
        topUp(developerId, "paid", 5, reference).statusCode(201);
        topUp(developerId, "paid", 5, reference).spec(problemNaming(409,
                "reference"));
        topUp(developerId, "paid", 0, "r-" + UUID.randomUUID())
                .spec(badRequestNaming("amountNanoUsd"));
        topUp(developerId, "gift", 5, "r-" + UUID.randomUUID())
                .spec(badRequestNaming("wallet"));
        topUp(UUID.randomUUID().toString(), "paid", 5, "r-" + UUID.randomUUID())
                .spec(problem(404));
        given().auth().oauth2(TestLogins.developer()).contentType("application/json")
                .body("{\"wallet\":\"paid\",\"amountNanoUsd\":5,\"reference\":\"r\"}")
                .post("/v1/admin/developers/" + developerId + "/top-ups").then()
                .spec(problem(403));
        assertEquals(PAID_IN + 5, count("""
                select coalesce(sum(p.amount_nano_usd), 0) from posting p join account a on a.id = p.account_id
                where a.developer_id = $1::uuid and a.kind = 'DEVELOPER_PAID'""", developerId));
    }
}
