package computepool.payment.pay;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Timestamp;
import com.google.protobuf.Message;
import computepool.billing.v1.EarningKind;
import computepool.billing.v1.OperatorEarned;
import computepool.billing.v1.OperatorSlashed;
import computepool.billing.v1.PayoutSettled;
import computepool.chain.contracts.ISuperfluidPool;
import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.payment.chain.Chain;
import computepool.payment.domain.SigningSecret;
import computepool.payment.domain.WebhookSignature;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerLoad;
import computepool.workers.v1.WorkerWithdrawn;
import computepool.localstack.quarkus.TestKafka;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Earnings announced on Kafka as billing does, settled on chain at the end of each (6 s) epoch: each operator's
 * super-token balance equals its ledger earnings floored to whole base units, the rest carried to the next epoch.
 * Workers' sessions announced on Kafka as shard workers do; one silent for 2 s mid-session slashes its operator.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "payment_test"))
class OperatorPayTest {

    private static final BigInteger UNITS_PER_BASE_UNIT = BigInteger.TEN.pow(12);

    @Inject
    Chain chain;

    @Inject
    Pool database;

    @Inject
    PayConfig pay;

    @ConfigProperty(name = "mp.messaging.incoming.billing-events.topic")
    String topic;

    @ConfigProperty(name = "mp.messaging.incoming.worker-events.topic")
    String workersTopic;

    @Test
    void eachEpochTopsEveryOperatorUpToItsFlooredEarningsAndCarriesTheRest() throws Exception {
        String model = "model-" + UUID.randomUUID();
        String alice = "operator-a-" + UUID.randomUUID();
        String bob = "operator-b-" + UUID.randomUUID();
        String nobody = "operator-c-" + UUID.randomUUID();
        String aliceAddress = newAddress();
        String bobAddress = newAddress();
        payoutAddress(alice, aliceAddress);
        payoutAddress(bob, bobAddress);

        OperatorEarned first = earned(alice, model, 1_234_567);
        // At the start of an epoch, so the flow has most of it to run before the true-up.
        sleepUntil(Epochs.start(Epochs.of(Instant.now(), pay.epochLength()) + 1, pay.epochLength()));
        publish(first, first, earned(alice, model, 100_000), earned(bob, model, 999), earned(nobody, model, 5_000_000));
        awaitSettledEpochs(model, 1);

        // 1,334,567 nano-USD is 1,334 base units and 567 carried; 999 nano-USD is none yet.
        assertEquals(units(1_334), balance(aliceAddress));
        BigInteger streamed = flowPool(model).getTotalAmountReceivedByMember(aliceAddress).send();
        assertTrue(streamed.signum() > 0, "nothing was streamed to Alice before the true-up");
        assertTrue(streamed.compareTo(units(1_334)) <= 0, "streamed ahead of earnings: " + streamed);
        assertEquals(BigInteger.ZERO, balance(bobAddress));
        List<PayoutSettled> payouts = payoutsOf(alice);
        assertEquals(1, payouts.size());
        assertEquals(1_334_000, payouts.getFirst().getAmountNanoUsd());
        assertEquals(units(1_334).toString(), payouts.getFirst().getTokenAmount());
        assertEquals(aliceAddress, payouts.getFirst().getPayoutAddress());
        assertTrue(payoutsOf(bob).isEmpty(), "nothing whole to pay Bob yet");

        publish(earned(alice, model, 433), earned(bob, model, 2));
        awaitSettledEpochs(model, 2);

        // Alice's carried 567 and 433 more make one base unit; Bob's 999 and 2 make one with 1 carried.
        assertEquals(units(1_335), balance(aliceAddress));
        assertEquals(units(1), balance(bobAddress));
        assertEquals(List.of(1_334_000L, 1_000L), payoutsOf(alice).stream().map(PayoutSettled::getAmountNanoUsd).toList());
        assertEquals(List.of(1_000L), payoutsOf(bob).stream().map(PayoutSettled::getAmountNanoUsd).toList());
    }

    @Test
    void aWorkerVanishingMidSessionZeroesItsOperatorsUnitsAndForfeitsTheSessionsEarningsHoweverLateTheyArrive()
            throws Exception {
        String model = "model-" + UUID.randomUUID();
        String alice = "operator-a-" + UUID.randomUUID();
        String bob = "operator-b-" + UUID.randomUUID();
        String carol = "operator-c-" + UUID.randomUUID();
        String dave = "operator-d-" + UUID.randomUUID();
        String aliceAddress = newAddress();
        String bobAddress = newAddress();
        payoutAddress(alice, aliceAddress);
        payoutAddress(bob, bobAddress);
        String bobsWorker = "worker-b-" + UUID.randomUUID();
        String carolsWorker = "worker-c-" + UUID.randomUUID();
        String davesWorker = "worker-d-" + UUID.randomUUID();

        sleepUntil(Epochs.start(Epochs.of(Instant.now(), pay.epochLength()) + 1, pay.epochLength()));
        // Bob earned before his worker's session; Alice serves without any session this service knows of.
        OperatorEarned beforeTheSession = earned(bob, model, 9_000_000).toBuilder()
                .setOccurredAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 3600)).build();
        publishWorkers(announced(bobsWorker, bob, model), heartbeat(bobsWorker, 1),
                announced(carolsWorker, carol, model), heartbeat(carolsWorker, 2),
                WorkerWithdrawn.newBuilder().setWorkerId(carolsWorker).setReason("maintenance").build(),
                announced(davesWorker, dave, model), heartbeat(davesWorker, 0));
        awaitRows("select count(*) as n from worker_session where worker_id = $1 and active_sessions = 1", bobsWorker);
        Instant now = Instant.now();
        OperatorEarned duringTheSession = earned(bob, model, 5_000_000).toBuilder()
                .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano())).build();
        publish(beforeTheSession, earned(alice, model, 3_000_000), duringTheSession);
        // Bob's worker now falls silent with a session in flight.
        awaitRows("select count(*) as n from operator_slash where worker_id = $1", bobsWorker);
        assertEquals(List.of(5_000_000L), forfeitsOf(bob));

        // An earning of the session that billing announces only now is forfeited as it arrives.
        publish(earned(bob, model, 700_000).toBuilder().setOccurredAt(duringTheSession.getOccurredAt()).build());
        awaitRows("select count(*) as n from operator_earning where operator_id = $1 and forfeited_by is not null "
                + "and amount_nano_usd = 700000", bob);
        assertEquals(List.of(5_000_000L, 700_000L), forfeitsOf(bob));
        awaitSettledEpochs(model, 1);

        assertEquals(BigInteger.ZERO, flowPool(model).getUnits(bobAddress).send(), "a slashed operator's units");
        assertEquals(units(3_000), balance(aliceAddress));
        assertEquals(units(9_000), balance(bobAddress), "Bob is paid what he earned outside the lost session");
        assertEquals(List.of(3_000_000L), payoutsOf(alice).stream().map(PayoutSettled::getAmountNanoUsd).toList());
        assertEquals(List.of(9_000_000L), payoutsOf(bob).stream().map(PayoutSettled::getAmountNanoUsd).toList());
        // A worker that withdrew, and one that fell silent idle, let nobody down.
        assertEquals("WITHDRAWN", endReason(carolsWorker));
        assertEquals("SILENT", endReason(davesWorker));
        assertTrue(forfeitsOf(carol).isEmpty() && forfeitsOf(dave).isEmpty());
    }

    @Test
    void gpuTimeSoldOnTheMarketIsPaidFromItsGpuModelsPoolAndSurvivesSlashing() throws Exception {
        String model = "model-" + UUID.randomUUID();
        String gpuModel = "GPU_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
        String pool = "gpu:" + gpuModel;
        String bob = "operator-b-" + UUID.randomUUID();
        String bobAddress = newAddress();
        payoutAddress(bob, bobAddress);
        String bobsWorker = "worker-b-" + UUID.randomUUID();

        sleepUntil(Epochs.start(Epochs.of(Instant.now(), pay.epochLength()) + 1, pay.epochLength()));
        publishWorkers(announced(bobsWorker, bob, model), heartbeat(bobsWorker, 1));
        awaitRows("select count(*) as n from worker_session where worker_id = $1 and active_sessions = 1", bobsWorker);
        Instant now = Instant.now();
        Timestamp duringTheSession = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano())
                .build();
        OperatorEarned served = earned(bob, model, 5_000_000).toBuilder().setOccurredAt(duringTheSession).build();
        OperatorEarned rented = reservationEarned(bob, gpuModel, 7_000_001).toBuilder()
                .setOccurredAt(duringTheSession).build();
        publish(served, rented, rented);
        // The worker falls silent mid-session: Bob is slashed on the model it served, and only on it.
        awaitRows("select count(*) as n from operator_slash where worker_id = $1", bobsWorker);
        // The earnings may arrive before the slash or after it: forfeited either way.
        awaitRows("select count(*) as n from operator_earning where operator_id = $1 and forfeited_by is not null",
                bob);
        // A period of the reservation that billing announces only now is not forfeited either.
        publish(reservationEarned(bob, gpuModel, 299_999).toBuilder().setOccurredAt(duringTheSession).build());
        awaitRows("select count(*) as n from operator_earning where operator_id = $1 and amount_nano_usd = 299999",
                bob);
        awaitSettledEpochs(pool, 1);

        assertEquals(List.of(5_000_000L), forfeitsOf(bob), "slashing took the session's inference earnings only");
        // 7,000,001 + 299,999 nano-USD are exactly 7,300 base units, all on chain after the true-up.
        assertEquals(units(7_300), balance(bobAddress));
        assertEquals(List.of(7_300_000L), payoutsOf(bob).stream().map(PayoutSettled::getAmountNanoUsd).toList());

        // billing's own fields must agree: a reservation's earning names its pool.
        OperatorEarned misnamed = reservationEarned(bob, gpuModel, 1_000).toBuilder().setModelId(model).build();
        publish(misnamed);
        awaitRows("select count(*) as n from parked_event where reason like '%' || $1 || '%'",
                misnamed.getEarningId());
        assertEquals(0, count("select count(*) as n from operator_earning where earning_id::text = $1",
                misnamed.getEarningId()));
    }

    @Test
    void anOperatorsEndpointGetsEachPayoutSignedAndRetriedUntilItAnswers() throws Exception {
        String token = TestLogins.developer();
        String operator = subjectOf(token);
        // The test developer is the operator here; an earlier run on this database may have set its address already.
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON)
                .body("{\"address\": \"" + newAddress() + "\"}")
                .when().put("/v1/admin/operators/" + operator + "/payout-address")
                .then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(409)));
        List<Received> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hooks", exchange -> {
            received.add(new Received(Instant.now(), exchange.getRequestHeaders().getFirst("ComputePool-Signature"),
                    exchange.getRequestHeaders().getFirst("ComputePool-Event-Id"), exchange.getRequestBody().readAllBytes()));
            // Fails twice, then takes it.
            exchange.sendResponseHeaders(received.size() < 3 ? 500 : 204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String secret = given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body("{\"url\": \"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks\", "
                            + "\"events\": [\"payout.settled\"]}")
                    .when().post("/v1/webhooks").then().statusCode(201).extract().path("signingSecret");
            String model = "model-" + UUID.randomUUID();
            publish(earned(operator, model, 42_000));
            awaitSettledEpochs(model, 1);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            PayoutSettled payout = payoutsOf(operator).getLast();

            assertEquals(3, received.size(), "two failures and one delivery");
            for (Received delivery : received) {
                assertEquals(payout.getPayoutId(), delivery.eventId());
                assertTrue(WebhookSignature.verify(new SigningSecret(secret), delivery.signature(), delivery.body(),
                        Instant.now()), "signature " + delivery.signature());
            }
            assertTrue(Duration.between(received.get(0).at(), received.get(1).at()).toMillis() >= 200);
            assertTrue(Duration.between(received.get(1).at(), received.get(2).at()).toMillis() >= 400, "backoff doubles");
            var body = io.restassured.path.json.JsonPath.from(new String(received.getLast().body(), StandardCharsets.UTF_8));
            assertEquals("payout.settled", body.getString("type"));
            assertEquals(operator, body.getString("data.operatorId"));
            assertEquals(42_000L, body.getLong("data.amountNanoUsd"));
            Thread.sleep(1_000);
            assertEquals(3, received.size(), "delivered once it was taken");
        } finally {
            receiver.stop(0);
        }
    }

    private record Received(Instant at, String signature, String eventId, byte[] body) {
    }

    private static String subjectOf(String jwt) {
        String payload = new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
        return io.restassured.path.json.JsonPath.from(payload).getString("sub");
    }

    @Test
    void aPayoutAddressIsValidatedAndCannotChange() throws Exception {
        String operator = "operator-" + UUID.randomUUID();
        String address = newAddress();
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON).body("{\"address\": \"0x12\"}")
                .when().put("/v1/admin/operators/" + operator + "/payout-address").then().spec(badRequestNaming("address"));
        given().auth().oauth2(TestLogins.admin()).when().get("/v1/admin/operators/" + operator + "/payout-address")
                .then().statusCode(404);
        payoutAddress(operator, address);
        payoutAddress(operator, address.toUpperCase().replace("0X", "0x"));
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON)
                .body("{\"address\": \"" + newAddress() + "\"}")
                .when().put("/v1/admin/operators/" + operator + "/payout-address").then().statusCode(409);
        given().auth().oauth2(TestLogins.admin()).when().get("/v1/admin/operators/" + operator + "/payout-address")
                .then().statusCode(200).body("address", equalTo(address));
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{\"address\": \"" + address + "\"}")
                .when().put("/v1/admin/operators/" + operator + "/payout-address").then().statusCode(403);
    }

    private static void sleepUntil(Instant instant) throws InterruptedException {
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), instant).toMillis()));
    }

    private void awaitSettledEpochs(String model, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (settledEpochs(model) < count) {
            if (System.nanoTime() > deadline) {
                fail(model + ": " + settledEpochs(model) + " of " + count + " epochs settled within 60 s");
            }
            Thread.sleep(200);
        }
    }

    private long settledEpochs(String model) {
        return database.preparedQuery("select count(*) as n from pay_epoch where model_id = $1 and state = 'SETTLED'")
                .execute(Tuple.of(model)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong("n");
    }

    private List<PayoutSettled> payoutsOf(String operator) throws Exception {
        List<PayoutSettled> payouts = new ArrayList<>();
        for (var row : database.preparedQuery("""
                        select payload from outbox_event where ce_type = $1 and record_key = $2 order by seq""")
                .execute(Tuple.of("computepool.billing.v1.PayoutSettled", operator)).await().atMost(Duration.ofSeconds(10))) {
            payouts.add(PayoutSettled.parseFrom(row.getBuffer("payload").getBytes()));
        }
        return payouts;
    }

    private void publish(OperatorEarned... earnings) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (OperatorEarned earned : earnings) {
                // The same earning twice is one event delivered twice: same ce_id.
                producer.send(EventCodec.toProducerRecord(topic, new EventEnvelope(
                        UUID.nameUUIDFromBytes(earned.getEarningId().getBytes()), EventEnvelope.typeOf(earned),
                        "/billing-svc", Instant.now(), null, earned.getOperatorId(), earned.toByteString()))).get();
            }
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(TestKafka.adminConfig(), new StringSerializer(), new ByteArraySerializer());
    }

    private void publishWorkers(Message... events) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (Message event : events) {
                // Keyed by worker, as shard workers publish: one worker's events stay in order.
                String worker = (String) event.getField(event.getDescriptorForType().findFieldByName("worker_id"));
                producer.send(EventCodec.toProducerRecord(workersTopic,
                        EventEnvelope.create("/market-svc", worker, null, event))).get();
            }
        }
    }

    private static WorkerAnnouncement announced(String worker, String operator, String model) {
        return WorkerAnnouncement.newBuilder().setWorkerId(worker).setOperatorId(operator).setModelId(model)
                .setLayerStart(0).setLayerEnd(30).setTotalLayers(30).setAddress("127.0.0.1:1").build();
    }

    private static WorkerHeartbeat heartbeat(String worker, int activeSessions) {
        return WorkerHeartbeat.newBuilder().setWorkerId(worker)
                .setLoad(WorkerLoad.newBuilder().setActiveSessions(activeSessions)).build();
    }

    private void awaitRows(String countQuery, String parameter) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (database.preparedQuery(countQuery).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong("n") == 0) {
            if (System.nanoTime() > deadline) {
                fail("no row within 30 s: " + countQuery + " with " + parameter);
            }
            Thread.sleep(100);
        }
    }

    private String endReason(String worker) {
        return database.preparedQuery("select end_reason from worker_session where worker_id = $1")
                .execute(Tuple.of(worker)).await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getString("end_reason");
    }

    private List<Long> forfeitsOf(String operator) throws Exception {
        List<Long> forfeits = new ArrayList<>();
        for (var row : database.preparedQuery("""
                        select payload from outbox_event where ce_type = $1 and record_key = $2 order by seq""")
                .execute(Tuple.of("computepool.billing.v1.OperatorSlashed", operator)).await()
                .atMost(Duration.ofSeconds(10))) {
            forfeits.add(OperatorSlashed.parseFrom(row.getBuffer("payload").getBytes()).getForfeitedNanoUsd());
        }
        return forfeits;
    }

    private static OperatorEarned earned(String operator, String model, long nanoUsd) {
        Instant now = Instant.now();
        return OperatorEarned.newBuilder()
                .setEarningId(UUID.randomUUID().toString())
                .setOperatorId(operator)
                .setModelId(model)
                .setAmountNanoUsd(nanoUsd)
                .setChargeId(UUID.randomUUID().toString())
                .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .build();
    }

    private static OperatorEarned reservationEarned(String operator, String gpuModel, long nanoUsd) {
        return earned(operator, "gpu:" + gpuModel, nanoUsd).toBuilder().setKind(EarningKind.RESERVATION)
                .setReservationId(UUID.randomUUID().toString()).setGpuModel(gpuModel).build();
    }

    private long count(String countQuery, String parameter) {
        return database.preparedQuery(countQuery).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong("n");
    }

    private static void payoutAddress(String operator, String address) {
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON)
                .body("{\"address\": \"" + address + "\"}")
                .when().put("/v1/admin/operators/" + operator + "/payout-address")
                .then().statusCode(200);
    }

    private ISuperfluidPool flowPool(String model) {
        String address = database.preparedQuery("select flow_pool from coalition where model_id = $1")
                .execute(Tuple.of(model)).await().atMost(Duration.ofSeconds(10)).iterator().next().getString("flow_pool");
        return ISuperfluidPool.load(address, chain.web3j(), new ReadonlyTransactionManager(chain.web3j(), address),
                new DefaultGasProvider());
    }

    private BigInteger balance(String address) throws Exception {
        return chain.superToken().balanceOf(address).send();
    }

    private static BigInteger units(long baseUnits) {
        return BigInteger.valueOf(baseUnits).multiply(UNITS_PER_BASE_UNIT);
    }

    private static String newAddress() throws Exception {
        return Credentials.create(Keys.createEcKeyPair()).getAddress();
    }
}
