package computepool.billing.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.events.Topics;
import computepool.identity.v1.DeveloperCreated;
import computepool.localstack.quarkus.TestLogins;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.WorkerShare;
import computepool.localstack.quarkus.TestKafka;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What billing's tests share: events onto the real broker, a developer announced the way identity-svc does it, a
 * model priced through the API, top-ups, and reads of the ledger. Usage of the fixture's model costs 0.1 USD per
 * million prompt tokens and 0.2 per million completion tokens unless a test prices it otherwise.
 */
public final class BillingFixture implements AutoCloseable {

    public static final Duration EVENTUALLY = Duration.ofSeconds(30);

    private final KafkaProducer<String, byte[]> producer;
    private final Pool database;
    public final String model = "model-" + UUID.randomUUID();
    public final String developerId = UUID.randomUUID().toString();
    public final String subject;
    private final Instant createdAt;

    public BillingFixture(Pool database) {
        this(database, null);
    }

    /**
     * A developer signed in as {@code subject} (a test login's), created now so that it is the newest developer of
     * that subject; a made-up subject when null.
     */
    public BillingFixture(Pool database, String subject) {
        this.database = database;
        this.subject = subject != null ? subject : "subject-" + developerId;
        this.createdAt = subject != null ? Instant.now() : Instant.ofEpochSecond(1_790_000_000L);
        this.producer = new KafkaProducer<>(TestKafka.adminConfig(), new StringSerializer(), new ByteArraySerializer());
    }

    /** Prices the model from 2026 on and announces the developer; returns once billing has opened its wallets. */
    public BillingFixture started() {
        price("2026-01-01T00:00:00Z", 100_000_000, 200_000_000);
        send("identity", developerId, DeveloperCreated.newBuilder()
                .setDeveloperId(developerId)
                .setKeycloakSubject(subject)
                .setCreatedAt(Timestamp.newBuilder().setSeconds(createdAt.getEpochSecond())
                        .setNanos(createdAt.getNano()))
                .build());
        await().atMost(EVENTUALLY).until(() -> count("select count(*) from account where developer_id = $1::uuid",
                developerId) == 2);
        return this;
    }

    public void price(String validFrom, long prompt, long completion) {
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"modelId\":\"" + model + "\",\"promptNanoUsdPerMillionTokens\":" + prompt
                        + ",\"completionNanoUsdPerMillionTokens\":" + completion + ",\"validFrom\":\"" + validFrom
                        + "\"}")
                .post("/v1/prices").then().statusCode(201);
    }

    public ValidatableResponse topUp(String developer, String wallet, long amount, String reference) {
        return given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"wallet\":\"" + wallet + "\",\"amountNanoUsd\":" + amount + ",\"reference\":\""
                        + reference + "\"}")
                .post("/v1/admin/developers/" + developer + "/top-ups").then();
    }

    public void fund(String wallet, long amount) {
        topUp(developerId, wallet, amount, wallet + "-" + UUID.randomUUID()).statusCode(201);
    }

    /** 1234 prompt and 567 completion tokens over two operators' workers (15 layers each, 100 and 300 ms). */
    public InferenceUsage usage(String requestId, String endedAt) {
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

    public ProducerRecord<String, byte[]> send(String topic, String key, Message payload) {
        return send(EventCodec.toProducerRecord(topic, EventEnvelope.create(producerOf(topic), key, null, payload)));
    }

    /** The source a producer of the topic stamps: consumers park events from anyone else. */
    public static String producerOf(String topic) {
        return Topics.PRODUCERS.getOrDefault(topic, Set.of()).stream().sorted().findFirst().orElse("/test");
    }

    public ProducerRecord<String, byte[]> send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return record;
    }

    /** The postings of the request's transaction, by account kind (operators by id). */
    public Map<String, Long> postingsOf(String requestId) {
        return postingsOf("inference", requestId);
    }

    /** The postings of the ledger transaction of this kind and reference, by account kind (operators by id). */
    public Map<String, Long> postingsOf(String kind, String reference) {
        Map<String, Long> postings = new HashMap<>();
        for (Row row : database.preparedQuery("""
                        select coalesce(a.operator_id, a.kind) as holder, p.amount_nano_usd from posting p
                        join ledger_transaction t on t.id = p.transaction_id join account a on a.id = p.account_id
                        where t.kind = $1 and t.reference = $2""")
                .execute(Tuple.of(kind, reference)).await().atMost(Duration.ofSeconds(5))) {
            postings.merge(row.getString(0), row.getLong(1), Long::sum);
        }
        return postings;
    }

    /** Why the usage consumer parked the events of this key, one reason per line. */
    public String parkedReasons(String key) {
        StringBuilder reasons = new StringBuilder();
        database.preparedQuery("select reason from parked_event where consumer = 'billing-usage' and record_key = $1")
                .execute(Tuple.of(key)).await().atMost(Duration.ofSeconds(5))
                .forEach(row -> reasons.append(row.getString(0)).append('\n'));
        return reasons.toString();
    }

    public Map<String, Long> awaitPostings(String requestId) {
        return awaitPostings("inference", requestId);
    }

    public Map<String, Long> awaitPostings(String kind, String reference) {
        return await().atMost(EVENTUALLY).until(() -> postingsOf(kind, reference), postings -> !postings.isEmpty());
    }

    /** The balance of the developer's wallet of this kind. */
    public long balance(String kind) {
        return database.preparedQuery("""
                        select coalesce(sum(p.amount_nano_usd), 0) from account a
                        left join posting p on p.account_id = a.id where a.developer_id = $1::uuid and a.kind = $2""")
                .execute(Tuple.of(developerId, kind)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    /** The payloads of this developer's or an operator's events in billing's outbox, of one type, oldest first. */
    public List<byte[]> outboxPayloads(String key, String ceType) {
        List<byte[]> payloads = new ArrayList<>();
        database.preparedQuery("select payload from outbox_event where record_key = $1 and ce_type = $2 order by seq")
                .execute(Tuple.of(key, ceType)).await().atMost(Duration.ofSeconds(5))
                .forEach(row -> payloads.add(row.getBuffer(0).getBytes()));
        return payloads;
    }

    /** The subject ({@code sub}) of an access token. */
    public static String subjectOf(String accessToken) {
        String payload = new String(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]),
                StandardCharsets.UTF_8);
        Matcher sub = Pattern.compile("\"sub\"\\s*:\\s*\"([^\"]+)\"").matcher(payload);
        if (!sub.find()) {
            throw new AssertionError("no sub in " + payload);
        }
        return sub.group(1);
    }

    public long count(String sql, Object... values) {
        return database.preparedQuery(sql).execute(Tuple.wrap(values)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    /** Transactions whose postings do not sum to zero: none, ever. */
    public long unbalancedTransactions() {
        return database.query("""
                select count(*) from (select transaction_id from posting group by transaction_id
                having sum(amount_nano_usd) <> 0) unbalanced""").execute().await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    /** Wallets whose balance kept on the account row is not the sum of their postings: none, ever. */
    public long walletBalancesOff() {
        return database.query("""
                select count(*) from account a where a.kind in ('DEVELOPER_PAID', 'DEVELOPER_SUBSIDISED')
                and a.balance_nano_usd <> (select coalesce(sum(p.amount_nano_usd), 0) from posting p
                                           where p.account_id = a.id)""").execute().await()
                .atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    @Override
    public void close() {
        producer.close();
    }
}
