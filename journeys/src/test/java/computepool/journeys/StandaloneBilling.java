package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.events.Topics;
import computepool.identity.v1.DeveloperCreated;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.WorkerShare;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * billing-svc on its own: this run's database, and a usage topic of its own (one partition) so that no earlier
 * run's usage stands between it and the events a test sends. Developers are announced on the identity topic as
 * identity-svc does; the model costs 0.05 USD per million prompt tokens and 0.10 per million completion tokens, so
 * each usage sent here (1000 prompt and 200 completion tokens) costs {@link #COST} nano-USD.
 */
final class StandaloneBilling implements AutoCloseable {

    static final long COST = 70_000;

    private final JourneyStack stack;
    /** Names the database and consumer groups. */
    private final String name;
    private final Map<String, String> config;
    final String usageTopic;
    final String model;
    private final KafkaProducer<String, byte[]> producer;

    StandaloneBilling(JourneyStack stack, String name, Map<String, String> settings) throws Exception {
        this.stack = stack;
        this.name = name;
        this.usageTopic = "usage-" + name + "-" + stack.runId();
        this.model = "model-" + name + "-" + stack.runId();
        try (Admin kafka = Admin.create(stack.env().kafkaAdminConfig())) {
            kafka.createTopics(List.of(new NewTopic(usageTopic, 1, (short) 1))).all().get();
        }
        config = new HashMap<>(stack.serviceConfig("billing-svc", "billing_" + name));
        config.put("mp.messaging.incoming.identity-events.group.id", "billing-" + name + "-" + stack.runId());
        config.put("mp.messaging.incoming.usage-events.group.id", "billing-" + name + "-" + stack.runId());
        config.put("mp.messaging.incoming.market-events.group.id", "billing-" + name + "-" + stack.runId());
        config.put("mp.messaging.incoming.usage-events.topic", usageTopic);
        // Earlier runs' developers on the identity topic open wallets nobody uses; nothing else is unknown here.
        config.put("computepool.events.consumer.retry-horizon", "0s");
        // A process killed without leaving its consumer group holds its partitions until its session times out
        // (45 s by default); the broker's shortest is 6 s.
        for (String channel : List.of("identity-events", "usage-events")) {
            config.put("mp.messaging.incoming." + channel + ".session.timeout.ms", "6000");
            config.put("mp.messaging.incoming." + channel + ".heartbeat.interval.ms", "1500");
        }
        config.putAll(settings);
        Map<String, Object> producerConfig = new HashMap<>(stack.env().kafkaAdminConfig());
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
    }

    /** Starts a billing process on this database and consumer groups; a second one resumes where the first stopped. */
    ServiceProcess start() throws Exception {
        return ServiceProcess.start("billing-svc", config);
    }

    /** Same as {@link #start()}, compiled for peak speed. */
    ServiceProcess startForSpeed() throws Exception {
        return ServiceProcess.start("billing-svc", config, ServiceProcess.PEAK_SPEED);
    }

    void priceModel(ServiceProcess billing) {
        given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"modelId\": \"" + model + "\", \"promptNanoUsdPerMillionTokens\": 50000000, "
                        + "\"completionNanoUsdPerMillionTokens\": 100000000, \"validFrom\": \"2026-01-01T00:00:00Z\"}")
                .when().post(billing.uri("/v1/prices")).then().statusCode(201);
    }

    /** A new developer, announced, with {@code paidNanoUsd} in its paid wallet once billing has opened it. */
    String newDeveloper(ServiceProcess billing, long paidNanoUsd) {
        String developerId = UUID.randomUUID().toString();
        Instant now = Instant.now();
        send("identity", developerId, DeveloperCreated.newBuilder()
                .setDeveloperId(developerId)
                .setKeycloakSubject("standalone-" + developerId)
                .setCreatedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .build());
        producer.flush();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> given()
                .auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"wallet\": \"paid\", \"amountNanoUsd\": " + paidNanoUsd + ", \"reference\": \"funds-"
                        + developerId + "\"}")
                .when().post(billing.uri("/v1/admin/developers/" + developerId + "/top-ups"))
                .then().extract().statusCode() == 201);
        return developerId;
    }

    /** Usage of one request: 1000 prompt and 200 completion tokens served by two operators' workers. */
    void sendUsage(String requestId, String developerId) {
        Instant now = Instant.now();
        send(usageTopic, developerId, InferenceUsage.newBuilder()
                .setRequestId(requestId)
                .setDeveloperId(developerId)
                .setModelId(model)
                .setPromptTokens(1000)
                .setCompletionTokens(200)
                .addWorkerShares(WorkerShare.newBuilder().setWorkerId("w-1").setOperatorId("standalone-op-1")
                        .setNodeId("n-1").setLayerCount(15).setServedMillis(40))
                .addWorkerShares(WorkerShare.newBuilder().setWorkerId("w-2").setOperatorId("standalone-op-2")
                        .setNodeId("n-2").setLayerCount(15).setServedMillis(60))
                .setStartedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond() - 1))
                .setEndedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .build());
    }

    /** Usage of {@code count} requests, each under a new id starting {@code prefix}, sent and flushed. */
    void sendUsage(int count, String prefix, String developerId) {
        for (int i = 0; i < count; i++) {
            sendUsage(prefix + UUID.randomUUID(), developerId);
        }
        flush();
    }

    void flush() {
        producer.flush();
    }

    /**
     * The ledger holds exactly {@code events} usage charges of {@link #COST} each to {@code developerId}, one per
     * request, every ledger transaction balanced and every wallet's balance the sum of its postings.
     */
    void assertChargedOnceEach(long events, String developerId) throws Exception {
        assertEquals(events, charges());
        assertEquals(events, query("""
                select count(distinct reference) from ledger_transaction where kind = 'inference'"""));
        assertEquals(-events * COST, query("""
                select sum(p.amount_nano_usd) from posting p join account a on a.id = p.account_id
                join ledger_transaction t on t.id = p.transaction_id
                where a.developer_id = ?::uuid and t.kind = 'inference'""", developerId));
        assertEquals(0, query("""
                select count(*) from (select transaction_id from posting group by transaction_id
                having sum(amount_nano_usd) <> 0) unbalanced"""));
        assertEquals(0, query("""
                select count(*) from account a where a.kind in ('DEVELOPER_PAID', 'DEVELOPER_SUBSIDISED')
                and a.balance_nano_usd <> (select coalesce(sum(p.amount_nano_usd), 0) from posting p
                                           where p.account_id = a.id)"""), "wallet balances kept right");
    }

    private void send(String topic, String key, Message payload) {
        // As the topic's producer: consumers park events from anyone else (a topic of this journey's own is not checked).
        String source = Topics.PRODUCERS.getOrDefault(topic, Set.of()).stream().sorted().findFirst().orElse("/journeys");
        producer.send(EventCodec.toProducerRecord(topic, EventEnvelope.create(source, key, null, payload)));
    }

    /** Charges booked in this database. */
    long charges() throws Exception {
        return query("select count(*) from charge");
    }

    long query(String sql, Object... parameters) throws Exception {
        try (Connection db = stack.database("billing_" + name); PreparedStatement query = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setObject(i + 1, parameters[i]);
            }
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
