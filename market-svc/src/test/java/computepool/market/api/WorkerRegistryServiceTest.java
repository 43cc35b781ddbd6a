package computepool.market.api;

import static computepool.auth.InternalCalls.assertRefused;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import computepool.auth.InternalCalls;
import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.workers.v1.FindPipelineRequest;
import computepool.workers.v1.ListWorkersRequest;
import computepool.workers.v1.Pipeline;
import computepool.workers.v1.Stage;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerCapacity;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerLoad;
import computepool.workers.v1.WorkerRegistryGrpc;
import computepool.workers.v1.WorkerStatus;
import computepool.workers.v1.WorkerWithdrawn;
import computepool.localstack.quarkus.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry as the gateway sees it, fed through the real broker: announcements, heartbeats and withdrawals on
 * the {@code workers} topic, pipelines over gRPC. Each test uses a model of its own. The silence limit is 3 s here.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class WorkerRegistryServiceTest {

    private static final Duration EVENTUALLY = Duration.ofSeconds(20);

    @Inject
    GrpcServer grpc;

    @Inject
    AgroalDataSource database;

    private ManagedChannel channel;
    private WorkerRegistryGrpc.WorkerRegistryBlockingStub registry;
    private KafkaProducer<String, byte[]> producer;
    private String model;

    @BeforeEach
    void connect() {
        channel = InternalCalls.channel(grpc.getPort());
        registry = InternalCalls.bearing(WorkerRegistryGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"));
        producer = new KafkaProducer<>(TestKafka.adminConfig(), new StringSerializer(), new ByteArraySerializer());
        model = "model-" + UUID.randomUUID();
    }

    @AfterEach
    void disconnect() {
        producer.close();
        channel.shutdownNow();
    }

    private WorkerAnnouncement announcement(String workerId, int start, int end, String node, Instant at) {
        return WorkerAnnouncement.newBuilder()
                .setWorkerId(workerId)
                .setModelId(model)
                .setLayerStart(start)
                .setLayerEnd(end)
                .setTotalLayers(30)
                .setAddress("127.0.0.1:" + (9000 + start))
                .setCapacity(WorkerCapacity.newBuilder().setMaxSessions(16).setMaxTokens(32768))
                .setOperatorId("operator-" + model)
                .setNodeId(node)
                .setPayoutAddress("0x00000000000000000000000000000000000000aa")
                .setAnnouncedAt(timestamp(at))
                .build();
    }

    private String announce(int start, int end, String node) {
        String workerId = "worker-" + UUID.randomUUID();
        publish(workerId, announcement(workerId, start, end, node, Instant.now()));
        return workerId;
    }

    private void heartbeat(String workerId, int activeSessions) {
        publish(workerId, WorkerHeartbeat.newBuilder()
                .setWorkerId(workerId)
                .setLoad(WorkerLoad.newBuilder().setActiveSessions(activeSessions).setTokensInFlight(activeSessions))
                .setSentAt(timestamp(Instant.now()))
                .build());
    }

    private EventEnvelope publish(String workerId, Message event) {
        EventEnvelope envelope = EventEnvelope.create("/market-svc", workerId, null, event);
        send(EventCodec.toProducerRecord("workers", envelope));
        return envelope;
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new AssertionError("cannot publish to the broker", e);
        }
    }

    private Pipeline findPipeline(String... excluded) {
        return registry.findPipeline(FindPipelineRequest.newBuilder().setModelId(model)
                .addAllExcludeWorkerIds(List.of(excluded)).build());
    }

    private Optional<Pipeline> pipelineNow() {
        try {
            return Optional.of(findPipeline());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
            return Optional.empty();
        }
    }

    private Pipeline eventuallyPipelineOf(String... workerIds) {
        return await().atMost(EVENTUALLY).pollInterval(Duration.ofMillis(100))
                .until(() -> pipelineNow().orElse(null),
                        pipeline -> pipeline != null && pipeline.getStagesList().stream().map(Stage::getWorkerId)
                                .toList().equals(List.of(workerIds)));
    }

    private WorkerStatus status(String workerId) {
        return registry.listWorkers(ListWorkersRequest.newBuilder().setModelId(model).build()).getWorkersList()
                .stream().filter(worker -> worker.getAnnouncement().getWorkerId().equals(workerId)).findFirst()
                .orElseThrow(() -> new AssertionError("worker " + workerId + " is not listed"));
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    @Test
    void twoAnnouncedHalvesBecomeAPipelineInLayerOrder() {
        String rear = announce(15, 30, "pod-b");
        String front = announce(0, 15, "pod-a");
        Pipeline pipeline = eventuallyPipelineOf(front, rear);
        assertEquals(model, pipeline.getModelId());
        assertEquals(30, pipeline.getTotalLayers());
        Stage entry = pipeline.getStages(0);
        assertEquals("127.0.0.1:9000", entry.getAddress());
        assertEquals(0, entry.getLayerStart());
        assertEquals(15, entry.getLayerEnd());
        assertEquals("pod-a", entry.getNodeId());
        assertEquals("operator-" + model, entry.getOperatorId());
    }

    @Test
    void administratorsSeeTheRegistryOverRestAndNobodyElseDoes() {
        String rear = announce(15, 30, "pod-b");
        String front = announce(0, 15, "pod-a");
        heartbeat(front, 2);
        eventuallyPipelineOf(front, rear);
        await().atMost(EVENTUALLY).until(() -> status(front).getLoad().getActiveSessions() == 2);

        given().auth().oauth2(TestLogins.admin()).queryParam("modelId", model)
                .when().get("/v1/admin/workers")
                .then().statusCode(200)
                .body("size()", equalTo(2))
                .body("[0].workerId", equalTo(front))
                .body("[0].layerStart", equalTo(0))
                .body("[0].layerEnd", equalTo(15))
                .body("[0].healthy", equalTo(true))
                .body("[0].activeSessions", equalTo(2))
                .body("[1].workerId", equalTo(rear))
                .body("[1].activeSessions", equalTo(null))
                .body("[1].lastHeartbeatAt", equalTo(null));
        given().auth().oauth2(TestLogins.developer()).queryParam("modelId", model)
                .when().get("/v1/admin/workers")
                .then().statusCode(403);
        given().queryParam("modelId", model)
                .when().get("/v1/admin/workers")
                .then().statusCode(401);
    }

    @Test
    void aSecondWorkerOnTheSameNodeClaimingHeldLayersIsRefusedAndNeverRouted() {
        String first = announce(0, 15, "pod-a");
        String rear = announce(15, 30, "pod-b");
        eventuallyPipelineOf(first, rear);
        String second = announce(10, 30, "pod-a");
        WorkerStatus refused = await().atMost(EVENTUALLY).until(() -> registryHas(second) ? status(second) : null,
                found -> found != null);
        assertFalse(refused.getHealthy());
        assertTrue(refused.getRefusedReason().contains("node pod-a of operator operator-" + model
                + " already serves layers [0, 15)"), refused.getRefusedReason());
        // Heartbeats keep the incumbents alive however long the refusal took to arrive.
        heartbeat(first, 0);
        heartbeat(rear, 0);
        eventuallyPipelineOf(first, rear);
        assertEquals("", status(first).getRefusedReason());
    }

    private boolean registryHas(String workerId) {
        return registry.listWorkers(ListWorkersRequest.newBuilder().setModelId(model).build()).getWorkersList()
                .stream().anyMatch(worker -> worker.getAnnouncement().getWorkerId().equals(workerId));
    }

    @Test
    void aSilentWorkerLeavesPipelinesAndAHeartbeatBringsItBack() {
        String whole = announce(0, 30, "pod-a");
        eventuallyPipelineOf(whole);
        StatusRuntimeException gone = await().atMost(EVENTUALLY).pollInterval(Duration.ofMillis(200))
                .until(() -> pipelineNow().isEmpty() ? catchFind() : null, failure -> failure != null);
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        assertTrue(gone.getStatus().getDescription().contains("no healthy worker"), gone.getStatus().getDescription());
        assertFalse(status(whole).getHealthy());

        heartbeat(whole, 2);
        eventuallyPipelineOf(whole);
        WorkerStatus alive = status(whole);
        assertTrue(alive.getHealthy());
        assertEquals(2, alive.getLoad().getActiveSessions());
        assertTrue(alive.hasLastHeartbeatAt());
    }

    private StatusRuntimeException catchFind() {
        return assertThrows(StatusRuntimeException.class, this::findPipeline);
    }

    @Test
    void aWithdrawnWorkerLeavesAtOnceAndTheOtherChainIsUsed() {
        String busy = announce(0, 30, "pod-a");
        heartbeat(busy, 1);
        String idle = announce(0, 30, "pod-b");
        await().atMost(EVENTUALLY).until(() -> status(busy).getLoad().getActiveSessions() == 1);
        eventuallyPipelineOf(idle);

        heartbeat(busy, 1);
        publish(idle, WorkerWithdrawn.newBuilder().setWorkerId(idle).setReason("maintenance")
                .setWithdrawnAt(timestamp(Instant.now())).build());
        eventuallyPipelineOf(busy);
        assertFalse(status(idle).getHealthy());
    }

    @Test
    void theLeastLoadedWorkerIsChosenAndAnExcludedOneIsSkipped() {
        String a = announce(0, 30, "pod-a");
        String b = announce(0, 30, "pod-b");
        heartbeat(a, 5);
        heartbeat(b, 1);
        eventuallyPipelineOf(b);
        heartbeat(a, 5);
        heartbeat(b, 9);
        eventuallyPipelineOf(a);
        assertEquals(b, findPipeline(a).getStages(0).getWorkerId());
    }

    @Test
    void anOlderAnnouncementArrivingLateChangesNothingAndADuplicateAppliesOnce() {
        String workerId = "worker-" + UUID.randomUUID();
        Instant now = Instant.now();
        EventEnvelope latest = publish(workerId, announcement(workerId, 0, 30, "pod-a", now).toBuilder()
                .setAddress("127.0.0.1:7002").build());
        eventuallyPipelineOf(workerId);
        publish(workerId, announcement(workerId, 0, 30, "pod-a", now.minusSeconds(5)).toBuilder()
                .setAddress("127.0.0.1:7001").build());
        send(EventCodec.toProducerRecord("workers", latest));
        // A marker after both on the same partition: once it applied, so had they.
        heartbeat(workerId, 3);
        await().atMost(EVENTUALLY).until(() -> status(workerId).getLoad().getActiveSessions() == 3);
        assertEquals("127.0.0.1:7002", findPipeline().getStages(0).getAddress());
        assertEquals(1, registry.listWorkers(ListWorkersRequest.newBuilder().setModelId(model).build())
                .getWorkersCount());
    }

    @Test
    void nonsensicalEventsAreParkedAndTheWorkersAfterThemStillArrive() {
        String broken = "worker-" + UUID.randomUUID();
        publish(broken, announcement(broken, 20, 10, "pod-a", Instant.now()));
        send(new ProducerRecord<>("workers", broken, "not protobuf".getBytes(StandardCharsets.UTF_8)));
        heartbeat(broken, -1);
        String good = announce(0, 30, "pod-b");
        publish(good, WorkerHeartbeat.newBuilder().setWorkerId(good).setSentAt(timestamp(Instant.now())).build());
        eventuallyPipelineOf(good);
        assertFalse(registryHas(broken));
    }

    @Test
    void anAnnouncementPublishedByAnyoneButMarketSvcIsParkedAndNeverRouted() throws Exception {
        String forged = "worker-" + UUID.randomUUID();
        send(EventCodec.toProducerRecord("workers", EventEnvelope.create("/shard-worker", forged, null,
                announcement(forged, 0, 30, "pod-a", Instant.now()))));
        await().atMost(EVENTUALLY).until(() -> parkedReason(forged).isPresent());
        assertTrue(parkedReason(forged).get().contains("ce_source /shard-worker does not publish on workers"),
                parkedReason(forged).get());
        assertFalse(registryHas(forged));
    }

    private Optional<String> parkedReason(String key) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "select reason from parked_event where topic = 'workers' and record_key = ?")) {
            query.setString(1, key);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        }
    }

    @Test
    void onlyAGatewayMayFindPipelinesOrListWorkers() {
        String rear = announce(15, 30, "pod-b");
        String front = announce(0, 15, "pod-a");
        eventuallyPipelineOf(front, rear);
        FindPipelineRequest find = FindPipelineRequest.newBuilder().setModelId(model).build();
        ListWorkersRequest list = ListWorkersRequest.newBuilder().setModelId(model).build();
        WorkerRegistryGrpc.WorkerRegistryBlockingStub anonymous = WorkerRegistryGrpc.newBlockingStub(channel);
        for (var refusal : List.of(
                Map.entry(Status.Code.UNAUTHENTICATED, anonymous),
                Map.entry(Status.Code.UNAUTHENTICATED, InternalCalls.bearing(anonymous, InternalCalls.forgedToken())),
                Map.entry(Status.Code.PERMISSION_DENIED, InternalCalls.bearing(anonymous, TestLogins.developer())),
                Map.entry(Status.Code.PERMISSION_DENIED, InternalCalls.bearing(anonymous, TestLogins.admin())))) {
            assertRefused(refusal.getKey(), () -> refusal.getValue().findPipeline(find));
            assertRefused(refusal.getKey(), () -> refusal.getValue().listWorkers(list));
        }
        assertEquals(2, registry.listWorkers(list).getWorkersCount());
    }

    @Test
    void aBlankModelIsAnInvalidArgument() {
        StatusRuntimeException blank = assertThrows(StatusRuntimeException.class,
                () -> registry.findPipeline(FindPipelineRequest.newBuilder().setModelId(" ").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, blank.getStatus().getCode());
        assertTrue(blank.getStatus().getDescription().contains("model_id"));
    }

    @Test
    void aReplayedOldAnnouncementDoesNotMakeADeadWorkerAliveNorHoldItsNode() {
        // A worker that announced itself a minute ago and died without withdrawing, read again by a new group.
        String dead = "worker-" + UUID.randomUUID();
        publish(dead, announcement(dead, 0, 30, "pod-a", Instant.now().minusSeconds(60)));
        await().atMost(EVENTUALLY).until(() -> registryHas(dead));
        assertFalse(status(dead).getHealthy());
        assertTrue(pipelineNow().isEmpty());

        String alive = announce(0, 30, "pod-a");
        eventuallyPipelineOf(alive);
        assertEquals("", status(alive).getRefusedReason());
    }
}
