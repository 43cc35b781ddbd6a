package computepool.shard.announce;

import com.google.protobuf.Timestamp;
import computepool.shard.config.ShardConfig;
import computepool.shard.domain.ShardAssignment;
import computepool.shard.engine.ShardEngine;
import computepool.shard.session.KvSessions;
import computepool.workers.v1.AnnounceResponse;
import computepool.workers.v1.WorkerAgentGrpc;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerCapacity;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerLoad;
import computepool.workers.v1.WorkerWithdrawn;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.HttpServerStart;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Tells the worker registry what this worker serves and where, through market-svc's {@code WorkerAgent} on the node's
 * credential (an operator's machine reaches no Kafka): a {@link WorkerAnnouncement} once its gRPC server listens, a
 * {@link WorkerHeartbeat} with its load at a fixed interval, and a {@link WorkerWithdrawn} when it stops on purpose.
 * Until market-svc has taken the announcement, and again whenever it says it does not know the worker, the
 * announcement goes in place of the heartbeat: a worker the registry never heard of is never routed to. Every call
 * runs on one thread and waits at most one interval, so a slow market-svc delays nothing else.
 */
@Singleton
public class WorkerAnnouncer {

    private static final Logger LOG = Logger.getLogger(WorkerAnnouncer.class);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final ShardConfig config;
    private final ShardAssignment assignment;
    private final ShardEngine engine;
    private final KvSessions sessions;
    private final ValueRegistry values;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().daemon().name("worker-heartbeat").unstarted(runnable));
    private ManagedChannel channel;
    private WorkerAgentGrpc.WorkerAgentBlockingStub agent;
    private volatile WorkerAnnouncement announcement;
    /** Whether market-svc holds the announcement; only the heartbeat thread writes it. */
    private volatile boolean announced;

    WorkerAnnouncer(ShardConfig config, ShardAssignment assignment, ShardEngine engine, KvSessions sessions,
            ValueRegistry values) {
        this.config = config;
        this.assignment = assignment;
        this.engine = engine;
        this.sessions = sessions;
        this.values = values;
    }

    /** The announcement this worker sends, or null before its server listened. */
    public WorkerAnnouncement announcement() {
        return announcement;
    }

    /** Whether market-svc has taken this worker's announcement. */
    public boolean announced() {
        return announced;
    }

    /** gRPC shares the HTTP server here, so the address is known only once it is bound (port 0 in tests). */
    void serverStarted(@ObservesAsync HttpServerStart started) {
        String address = config.advertisedAddress()
                .orElseGet(() -> config.advertisedHost() + ":" + values.get(HttpServer.HTTP_PORT));
        announcement = WorkerAnnouncement.newBuilder()
                .setWorkerId(config.workerId())
                .setModelId(assignment.modelId())
                .setLayerStart(assignment.layerStart())
                .setLayerEnd(assignment.layerEnd())
                .setTotalLayers(engine.spec().layerCount())
                .setAddress(address)
                .setCapacity(WorkerCapacity.newBuilder()
                        .setMaxSessions(config.maxSessions())
                        .setMaxTokens(config.maxSessionTokens()))
                .setOperatorId(assignment.operatorId())
                .setNodeId(assignment.nodeId())
                .setPayoutAddress(assignment.payoutAddress().value())
                .setAnnouncedAt(now())
                .build();
        Metadata credential = new Metadata();
        credential.put(AUTHORIZATION, "Node " + config.nodeCredential());
        channel = ManagedChannelBuilder.forTarget(config.marketAddress()).usePlaintext().build();
        agent = WorkerAgentGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(credential));
        long period = config.heartbeatInterval().toMillis();
        heartbeats.scheduleWithFixedDelay(this::beat, 0, period, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        if (announced) {
            heartbeat();
        } else {
            announce();
        }
    }

    private void announce() {
        try {
            AnnounceResponse answer = call().announce(announcement);
            announced = true;
            if (answer.getRefusedReason().isEmpty()) {
                LOG.infof("Announced worker %s: layers [%d, %d) of %s at %s", config.workerId(),
                        assignment.layerStart(), assignment.layerEnd(), assignment.modelId(), announcement.getAddress());
            } else {
                LOG.warnf("market-svc will not route to worker %s: %s", config.workerId(), answer.getRefusedReason());
            }
        } catch (StatusRuntimeException e) {
            warn("announcement", e);
        }
    }

    private void heartbeat() {
        try {
            call().heartbeat(WorkerHeartbeat.newBuilder()
                    .setWorkerId(config.workerId())
                    .setLoad(WorkerLoad.newBuilder()
                            .setActiveSessions(sessions.activeCount())
                            .setTokensInFlight(sessions.reservedTokens()))
                    .setSentAt(now())
                    .build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                // The registry lost the worker (or has not read the announcement yet): say it again.
                announced = false;
            }
            warn("heartbeat", e);
        }
    }

    void stopping(@Observes ShutdownEvent shutdown) {
        heartbeats.shutdownNow();
        if (channel == null) {
            return;
        }
        try {
            call().withdraw(WorkerWithdrawn.newBuilder()
                    .setWorkerId(config.workerId())
                    .setReason("the worker is shutting down")
                    .setWithdrawnAt(now())
                    .build());
        } catch (StatusRuntimeException e) {
            warn("withdrawal", e);
        } finally {
            channel.shutdownNow();
        }
    }

    private WorkerAgentGrpc.WorkerAgentBlockingStub call() {
        return agent.withDeadlineAfter(config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void warn(String what, StatusRuntimeException e) {
        Status status = e.getStatus();
        if (status.getCode() == Status.Code.PERMISSION_DENIED || status.getCode() == Status.Code.UNAUTHENTICATED) {
            LOG.errorf("market-svc refused the %s of worker %s (%s): %s", what, config.workerId(), status.getCode(),
                    status.getDescription());
        } else {
            // The code and description only: a Status prints its cause's whole stack trace.
            LOG.warnf("market-svc at %s did not take the %s of worker %s: %s %s", config.marketAddress(), what,
                    config.workerId(), status.getCode(), status.getDescription());
        }
    }

    private static Timestamp now() {
        Instant now = Instant.now();
        return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    }
}
