package computepool.shard.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.config.ShardConfig;
import computepool.shard.session.KvSessions;
import computepool.shard.session.TestTickets;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionSummary;
import computepool.workers.v1.AnnounceResponse;
import computepool.workers.v1.HeartbeatResponse;
import computepool.workers.v1.WithdrawResponse;
import computepool.workers.v1.WorkerAgentGrpc;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerWithdrawn;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the worker tells market-svc's WorkerAgent, and on which credential: where it serves what, and how loaded it is.
 * The agent here records what it is told (market-svc's own checks are {@code WorkerAgentServiceTest}'s).
 */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
@QuarkusTestResource(MarketAgentPort.class)
class WorkerAnnouncementTest {

    private static final Context.Key<String> CREDENTIAL = Context.key("authorization");
    private static final List<Object> HEARD = new CopyOnWriteArrayList<>();
    private static final List<String> CREDENTIALS = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean FORGET_NEXT_HEARTBEAT = new AtomicBoolean();
    private static Server agent;

    @TestHTTPResource("/")
    URL url;

    @Inject
    ShardConfig config;

    @Inject
    KvSessions sessions;

    @ConfigProperty(name = "computepool.shard.market-address")
    String marketAddress;

    @BeforeEach
    void startAgent() throws Exception {
        if (agent == null) {
            int port = Integer.parseInt(marketAddress.substring(marketAddress.lastIndexOf(':') + 1));
            ServerInterceptor credential = new ServerInterceptor() {
                @Override
                public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call,
                        Metadata headers, ServerCallHandler<Q, A> next) {
                    String authorization = headers.get(Metadata.Key.of("authorization",
                            Metadata.ASCII_STRING_MARSHALLER));
                    return Contexts.interceptCall(Context.current().withValue(CREDENTIAL, authorization), call,
                            headers, next);
                }
            };
            agent = ServerBuilder.forPort(port).addService(ServerInterceptors.intercept(new Recording(), credential))
                    .build().start();
        }
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.shutdownNow();
        }
    }

    /** Records every call and its credential; forgets the worker once when told to. */
    private static final class Recording extends WorkerAgentGrpc.WorkerAgentImplBase {

        @Override
        public void announce(WorkerAnnouncement request, StreamObserver<AnnounceResponse> answer) {
            heard(request);
            answer.onNext(AnnounceResponse.getDefaultInstance());
            answer.onCompleted();
        }

        @Override
        public void heartbeat(WorkerHeartbeat request, StreamObserver<HeartbeatResponse> answer) {
            heard(request);
            if (FORGET_NEXT_HEARTBEAT.compareAndSet(true, false)) {
                answer.onError(Status.NOT_FOUND.withDescription("the registry knows no worker").asRuntimeException());
                return;
            }
            answer.onNext(HeartbeatResponse.getDefaultInstance());
            answer.onCompleted();
        }

        @Override
        public void withdraw(WorkerWithdrawn request, StreamObserver<WithdrawResponse> answer) {
            heard(request);
            answer.onNext(WithdrawResponse.getDefaultInstance());
            answer.onCompleted();
        }

        private static void heard(Object request) {
            HEARD.add(request);
            CREDENTIALS.add(CREDENTIAL.get());
        }
    }

    @Test
    void announcesItsSliceAtTheAddressItListensOnWithItsNodesCredential() {
        WorkerAnnouncement announcement = await(WorkerAnnouncement.class, a -> true, Duration.ofSeconds(20));
        assertEquals(config.workerId(), announcement.getWorkerId());
        assertEquals("smollm2-135m-instruct", announcement.getModelId());
        assertEquals(0, announcement.getLayerStart());
        assertEquals(30, announcement.getLayerEnd());
        assertEquals(30, announcement.getTotalLayers());
        assertEquals("127.0.0.1:" + url.getPort(), announcement.getAddress());
        assertEquals(config.maxSessions(), announcement.getCapacity().getMaxSessions());
        assertEquals(config.maxSessionTokens(), announcement.getCapacity().getMaxTokens());
        assertEquals("local-operator", announcement.getOperatorId());
        assertEquals("local-node", announcement.getNodeId());
        assertEquals(config.payoutAddress(), announcement.getPayoutAddress());
        assertTrue(CREDENTIALS.stream().allMatch(("Node " + MarketAgentPort.CREDENTIAL)::equals), CREDENTIALS.toString());
    }

    @Test
    void aWorkerTheRegistryForgotIsAnnouncedAgain() {
        await(WorkerHeartbeat.class, h -> true, Duration.ofSeconds(20));
        int before = count(WorkerAnnouncement.class);
        FORGET_NEXT_HEARTBEAT.set(true);
        Instant deadline = Instant.now().plusSeconds(10);
        while (count(WorkerAnnouncement.class) == before && Instant.now().isBefore(deadline)) {
            sleep();
        }
        assertEquals(before + 1, count(WorkerAnnouncement.class), "announced again after the registry said NOT_FOUND");
        await(WorkerHeartbeat.class, h -> true, Duration.ofSeconds(10));
    }

    @Test
    void heartbeatsCarryTheSessionsItHolds() throws Exception {
        int[] prompt = {1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365};
        Hop self = Hop.newBuilder().setWorkerId(config.workerId()).setAddress("127.0.0.1:" + url.getPort())
                .setLayerStart(0).setLayerEnd(30).build();
        CountDownLatch firstToken = new CountDownLatch(1);
        try (ShardChannels channels = new ShardChannels()) {
            PipelineClient.Generation generation = new PipelineClient(channels, TestTickets.signer()).start(
                    new PipelineClient.Request("test", "smollm2-135m-instruct", 30, List.of(self), prompt, 3_000,
                            SamplingParams.newBuilder().setGreedy(true).build()), new PipelineClient.Listener() {
                        @Override
                        public void token(GeneratedToken token) {
                            firstToken.countDown();
                        }

                        @Override
                        public void finished(SessionSummary summary) {
                        }

                        @Override
                        public void failed(Status status) {
                        }
                    });
            assertTrue(firstToken.await(30, TimeUnit.SECONDS));
            long opened = Instant.now().getEpochSecond();
            WorkerHeartbeat busy = await(WorkerHeartbeat.class, h -> h.getLoad().getActiveSessions() == 1
                    && h.getSentAt().getSeconds() >= opened - 1, Duration.ofSeconds(10));
            assertEquals(prompt.length + 3_000, busy.getLoad().getTokensInFlight());
            generation.cancel();
        }
        long cancelled = Instant.now().getEpochSecond();
        await(WorkerHeartbeat.class, h -> h.getLoad().getActiveSessions() == 0 && h.getLoad().getTokensInFlight() == 0
                && h.getSentAt().getSeconds() > cancelled, Duration.ofSeconds(10));
        assertEquals(0, sessions.activeCount());
    }

    private static <T> T await(Class<T> type, Predicate<T> wanted, Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            Optional<T> found = HEARD.stream().filter(type::isInstance).map(type::cast).filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            sleep();
        }
        throw new AssertionError("no matching " + type.getSimpleName() + " within " + limit + "; heard " + HEARD.size()
                + " calls");
    }

    private static int count(Class<?> type) {
        return (int) HEARD.stream().filter(type::isInstance).count();
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
