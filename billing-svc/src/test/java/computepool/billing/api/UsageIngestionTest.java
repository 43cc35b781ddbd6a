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
import com.google.protobuf.Timestamp;
import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.identity.v1.DeveloperCreated;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.WorkerShare;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code InferenceUsage} from the real broker into the ledger. Prices: 0.1 USD per million prompt tokens and 0.2 per
 * million completion tokens, so 1234 + 567 tokens cost 236,800 nano-USD: 23,680 platform fee (10 %), 213,120 for
 * the operators by layers × milliseconds.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class UsageIngestionTest {

    private static final Duration EVENTUALLY = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    Pool database;

    private KafkaProducer<String, byte[]> producer;
    private String model;
    private String developerId;

    @BeforeEach
    void setUp() {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
        model = "model-" + UUID.randomUUID();
        price("2026-01-01T00:00:00Z", 100_000_000, 200_000_000);
        developerId = UUID.randomUUID().toString();
        send("identity", developerId, DeveloperCreated.newBuilder()
                .setDeveloperId(developerId)
                .setKeycloakSubject("subject-" + developerId)
                .setCreatedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L))
                .build());
        await().atMost(EVENTUALLY).until(() -> count("select count(*) from account where developer_id = $1::uuid",
                developerId) == 2);
    }

    @AfterEach
    void everyTransactionBalances() {
        producer.close();
        assertEquals(0, database.query("""
                select count(*) from (select transaction_id from posting group by transaction_id
                having sum(amount_nano_usd) <> 0) unbalanced""").execute().await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0));
    }

    private void price(String validFrom, long prompt, long completion) {
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"modelId\":\"" + model + "\",\"promptNanoUsdPerMillionTokens\":" + prompt
                        + ",\"completionNanoUsdPerMillionTokens\":" + completion + ",\"validFrom\":\"" + validFrom + "\"}")
                .post("/v1/prices").then().statusCode(201);
    }

    private InferenceUsage usage(String requestId, String endedAt) {
        Instant end = Instant.parse(endedAt);
        return InferenceUsage.newBuilder()
                .setRequestId(requestId)
                .setDeveloperId(developerId)
                .setApiKeyId(UUID.randomUUID().toString())
                .setModelId(model)
                .setPromptTokens(1234)
                .setCompletionTokens(567)
                .addWorkerShares(share("op-a-" + developerId, 15, 100))
                .addWorkerShares(share("op-b-" + developerId, 15, 300))
                .setStartedAt(Timestamp.newBuilder().setSeconds(end.getEpochSecond() - 1))
                .setEndedAt(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
                .build();
    }

    private static WorkerShare share(String operator, int layers, long millis) {
        return WorkerShare.newBuilder().setWorkerId("w-" + operator).setOperatorId(operator).setNodeId("n")
                .setLayerCount(layers).setServedMillis(millis).build();
    }

    private ProducerRecord<String, byte[]> send(String topic, String key, Message payload) {
        ProducerRecord<String, byte[]> record = EventCodec.toProducerRecord(topic,
                EventEnvelope.create("/test", key, null, payload));
        return send(record);
    }

    private ProducerRecord<String, byte[]> send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return record;
    }

    /** The postings of the request's transaction, by account kind (operators by id). */
    private Map<String, Long> postingsOf(String requestId) {
        Map<String, Long> postings = new HashMap<>();
        for (Row row : database.preparedQuery("""
                        select coalesce(a.operator_id, a.kind) as holder, p.amount_nano_usd from posting p
                        join ledger_transaction t on t.id = p.transaction_id join account a on a.id = p.account_id
                        where t.kind = 'inference' and t.reference = $1""")
                .execute(Tuple.of(requestId)).await().atMost(Duration.ofSeconds(5))) {
            postings.merge(row.getString(0), row.getLong(1), Long::sum);
        }
        return postings;
    }

    private Map<String, Long> awaitPostings(String requestId) {
        return await().atMost(EVENTUALLY).until(() -> postingsOf(requestId), postings -> !postings.isEmpty());
    }

    private long count(String sql, String value) {
        return database.preparedQuery(sql).execute(Tuple.of(value)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
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
        await().atMost(EVENTUALLY).until(() -> count(
                "select count(*) from parked_event where consumer = 'billing-usage' and record_key = $1", stranger) == 1);
        assertTrue(parkedReasons(stranger).contains("unknown developer " + stranger), parkedReasons(stranger));
        await().atMost(EVENTUALLY).until(() -> parkedReasons(developerId).contains("no price of model 'no-such-model'"));
        await().atMost(EVENTUALLY).until(() -> parkedReasons(developerId).contains("no price of model '" + model
                + "' is valid at 2025-12-31T23:59:59Z"));
        assertTrue(postingsOf(unknownDeveloper).isEmpty());
        assertTrue(postingsOf(unpriced).isEmpty());
        assertTrue(postingsOf(before).isEmpty());
    }

    private String parkedReasons(String key) {
        StringBuilder reasons = new StringBuilder();
        database.preparedQuery("select reason from parked_event where consumer = 'billing-usage' and record_key = $1")
                .execute(Tuple.of(key)).await().atMost(Duration.ofSeconds(5))
                .forEach(row -> reasons.append(row.getString(0)).append('\n'));
        return reasons.toString();
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

    private ValidatableResponse topUp(String developer, String wallet, long amount,
            String reference) {
        return given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"wallet\":\"" + wallet + "\",\"amountNanoUsd\":" + amount + ",\"reference\":\""
                        + reference + "\"}")
                .post("/v1/admin/developers/" + developer + "/top-ups").then();
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
        assertEquals(1_000_000 - 136_800, count("""
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
        assertEquals(5, count("""
                select coalesce(sum(p.amount_nano_usd), 0) from posting p join account a on a.id = p.account_id
                where a.developer_id = $1::uuid and a.kind = 'DEVELOPER_PAID'""", developerId));
    }
}
