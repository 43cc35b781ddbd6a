package computepool.market.agent;

import static computepool.auth.InternalCalls.assertRefused;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.auth.InternalCalls;
import computepool.auth.RandomSecrets;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.workers.v1.ListWorkersRequest;
import computepool.workers.v1.WorkerAgentGrpc;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerCapacity;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerLoad;
import computepool.workers.v1.WorkerRegistryGrpc;
import computepool.workers.v1.WorkerStatus;
import computepool.workers.v1.WorkerWithdrawn;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers announce through market-svc on their node's credential, and only what their node backs. */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class WorkerAgentServiceTest {

    private static final String MODEL = "agent-test-model";
    private static final Duration EVENTUALLY = Duration.ofSeconds(20);

    @Inject
    GrpcServer grpc;

    private ManagedChannel channel;

    /** A registered node of two 24 GiB cards: its id, its operator and its credential. */
    private record RegisteredNode(String id, String operator, String credentialId, String secret) {
    }

    @BeforeEach
    void connect() {
        channel = InternalCalls.channel(grpc.getPort());
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    private static RegisteredNode register(String token) {
        JsonPath node = given().auth().oauth2(token).contentType(ContentType.JSON).body("""
                        {"name": "pod-%s", "zone": "home-sf-1", "interconnect": "federated", "powerBudgetWatts": 1440,
                         "gpus": [{"model": "RTX_4090", "memoryGib": 24, "count": 2, "powerLimitWatts": 450}]}"""
                        .formatted(UUID.randomUUID()))
                .when().post("/v1/nodes").then().statusCode(201).extract().jsonPath();
        return new RegisteredNode(node.getString("id"), node.getString("operatorId"), node.getString("credential.id"),
                node.getString("credential.secret"));
    }

    private WorkerAgentGrpc.WorkerAgentBlockingStub as(String credential) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Node " + credential);
        return WorkerAgentGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static WorkerAnnouncement claim(RegisteredNode node, String workerId, int start, int end, int maxTokens) {
        return WorkerAnnouncement.newBuilder().setWorkerId(workerId).setModelId(MODEL)
                .setLayerStart(start).setLayerEnd(end).setTotalLayers(30).setAddress("127.0.0.1:9" + start)
                .setCapacity(WorkerCapacity.newBuilder().setMaxSessions(16).setMaxTokens(maxTokens))
                .setOperatorId(node.operator()).setNodeId(node.id())
                .setPayoutAddress("0x00000000000000000000000000000000000000aa").build();
    }

    private Optional<WorkerStatus> registered(String workerId) {
        return InternalCalls.bearing(WorkerRegistryGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"))
                .listWorkers(ListWorkersRequest.newBuilder().setModelId(MODEL).build()).getWorkersList().stream()
                .filter(worker -> worker.getAnnouncement().getWorkerId().equals(workerId)).findFirst();
    }

    @Test
    void aWorkerItsNodeBacksReachesTheRegistryThroughTheTopic() {
        RegisteredNode node = register(TestLogins.developer());
        String worker = "worker-" + UUID.randomUUID();
        as(node.secret()).announce(claim(node, worker, 0, 15, 32_768));
        await().atMost(EVENTUALLY).until(() -> registered(worker).isPresent());
        assertEquals(node.id(), registered(worker).orElseThrow().getAnnouncement().getNodeId());

        as(node.secret()).heartbeat(WorkerHeartbeat.newBuilder().setWorkerId(worker)
                .setLoad(WorkerLoad.newBuilder().setActiveSessions(3)).build());
        await().atMost(EVENTUALLY).until(() -> registered(worker).orElseThrow().getLoad().getActiveSessions() == 3);
        as(node.secret()).withdraw(WorkerWithdrawn.newBuilder().setWorkerId(worker).setReason("shutting down").build());
        await().atMost(EVENTUALLY).until(() -> !registered(worker).orElseThrow().getHealthy());
    }

    @Test
    void strangersAndOtherCredentialsCannotSpeakForAWorker() {
        RegisteredNode node = register(TestLogins.developer());
        String worker = "worker-" + UUID.randomUUID();
        WorkerAnnouncement claim = claim(node, worker, 0, 15, 32_768);
        assertRefused(Status.Code.UNAUTHENTICATED, () -> WorkerAgentGrpc.newBlockingStub(channel).announce(claim));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> as(RandomSecrets.generate("cpn_")).announce(claim));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> InternalCalls.bearing(WorkerAgentGrpc.newBlockingStub(channel),
                TestLogins.developer()).announce(claim));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> InternalCalls.bearing(WorkerAgentGrpc.newBlockingStub(channel),
                TestLogins.service("gateway-svc")).announce(claim));

        RegisteredNode other = register(TestLogins.admin());
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(other.secret()).announce(claim));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(other.secret())
                .announce(claim.toBuilder().setNodeId(other.id()).build()));

        as(node.secret()).announce(claim);
        await().atMost(EVENTUALLY).until(() -> registered(worker).isPresent());
        WorkerAnnouncement hijack = claim(other, worker, 0, 15, 32_768).toBuilder().setAddress("127.0.0.1:6666").build();
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(other.secret()).announce(hijack));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(other.secret())
                .heartbeat(WorkerHeartbeat.newBuilder().setWorkerId(worker).build()));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(other.secret())
                .withdraw(WorkerWithdrawn.newBuilder().setWorkerId(worker).build()));
        assertTrue(registered(worker).orElseThrow().getHealthy(), "no one else withdrew it");
        assertEquals("127.0.0.1:90", registered(worker).orElseThrow().getAnnouncement().getAddress());
    }

    @Test
    void aNodeBacksOnlyWhatFitsOneOfItsGpusAndOneWorkerACard() {
        RegisteredNode node = register(TestLogins.developer());
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(node.secret())
                .announce(claim(node, "worker-" + UUID.randomUUID(), 0, 30, 1_000_000)));
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> as(node.secret())
                .announce(claim(node, "worker-" + UUID.randomUUID(), 0, 15, 1_000).toBuilder().setModelId("unsized")
                        .build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> as(node.secret())
                .announce(claim(node, "worker-" + UUID.randomUUID(), 15, 15, 1_000)));

        String first = "worker-" + UUID.randomUUID();
        String second = "worker-" + UUID.randomUUID();
        as(node.secret()).announce(claim(node, first, 0, 15, 32_768));
        as(node.secret()).announce(claim(node, second, 15, 30, 32_768));
        await().atMost(EVENTUALLY).until(() -> registered(first).isPresent() && registered(second).isPresent());
        assertRefused(Status.Code.PERMISSION_DENIED, () -> as(node.secret())
                .announce(claim(node, "worker-" + UUID.randomUUID(), 0, 15, 32_768)));
        as(node.secret()).announce(claim(node, first, 0, 15, 16_384));
    }

    @Test
    void aRevokedCredentialStopsWorkingAtOnceAndItsWorkerLeavesWithinTheSilenceLimit() throws Exception {
        String operator = TestLogins.developer();
        RegisteredNode node = register(operator);
        String worker = "worker-" + UUID.randomUUID();
        as(node.secret()).announce(claim(node, worker, 0, 15, 32_768));
        await().atMost(EVENTUALLY).until(() -> registered(worker).isPresent());
        // The worker keeps beating, as a real one does; the registry's silence limit in tests is 3 s.
        ScheduledExecutorService beating = Executors.newSingleThreadScheduledExecutor();
        beating.scheduleAtFixedRate(() -> {
            try {
                as(node.secret()).heartbeat(WorkerHeartbeat.newBuilder().setWorkerId(worker).build());
            } catch (RuntimeException refused) {
                // after the revocation: every beat is refused
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        try {
            Thread.sleep(4_000);
            assertTrue(registered(worker).orElseThrow().getHealthy(), "beating past the silence limit keeps it");

            given().auth().oauth2(operator).when()
                    .delete("/v1/nodes/" + node.id() + "/credentials/" + node.credentialId())
                    .then().statusCode(204);
            assertRefused(Status.Code.UNAUTHENTICATED, () -> as(node.secret())
                    .heartbeat(WorkerHeartbeat.newBuilder().setWorkerId(worker).build()));
            assertRefused(Status.Code.UNAUTHENTICATED, () -> as(node.secret())
                    .announce(claim(node, worker, 0, 15, 32_768)));
            await().atMost(Duration.ofSeconds(6)).until(() -> !registered(worker).orElseThrow().getHealthy());
        } finally {
            beating.shutdownNow();
        }
    }
}
