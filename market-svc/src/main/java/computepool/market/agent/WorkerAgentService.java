package computepool.market.agent;

import com.google.protobuf.Timestamp;
import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.market.config.RegistryConfig;
import computepool.market.domain.NodeBacking;
import computepool.market.store.NodeStore;
import computepool.market.store.ShardWorkerRecord;
import computepool.market.store.ShardWorkerStore;
import computepool.workers.v1.AnnounceResponse;
import computepool.workers.v1.HeartbeatResponse;
import computepool.workers.v1.WithdrawResponse;
import computepool.workers.v1.WorkerAgent;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerWithdrawn;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code computepool.workers.v1.WorkerAgent}: shard workers on operators' machines announce, heartbeat and withdraw
 * here, each call on its node's credential, instead of writing to Kafka. A claim the node does not back is refused;
 * what is accepted goes to the {@code workers} topic through the outbox, in the same transaction as the checks that
 * read the registry, and reaches the registry (and payment-svc) from there like every worker event.
 */
@GrpcService
@RolesAllowed("shard-worker")
public class WorkerAgentService implements WorkerAgent {

    private final CurrentIdentityAssociation identities;
    private final NodeStore nodes;
    private final ShardWorkerStore workers;
    private final Outbox outbox;
    private final RegistryConfig config;
    private final Clock clock;

    public WorkerAgentService(CurrentIdentityAssociation identities, NodeStore nodes, ShardWorkerStore workers,
            Outbox outbox, RegistryConfig config, Clock clock) {
        this.identities = identities;
        this.nodes = nodes;
        this.workers = workers;
        this.outbox = outbox;
        this.config = config;
        this.clock = clock;
    }

    @Override
    @WithTransaction
    public Uni<AnnounceResponse> announce(WorkerAnnouncement claim) {
        return identities.getDeferredIdentity().chain(caller -> {
            String node = caller.getPrincipal().getName();
            RegistryConfig.ModelFootprint footprint;
            try {
                requireWellFormed(claim);
                footprint = footprint(claim.getModelId());
                requireOwn(caller, node, claim.getNodeId(), claim.getOperatorId());
            } catch (RuntimeException refused) {
                return Uni.createFrom().failure(refused);
            }
            Instant now = clock.instant();
            return workers.byId(claim.getWorkerId()).chain(existing -> {
                if (existing.isPresent() && !existing.get().nodeId.equals(node)) {
                    return Uni.createFrom().failure(denied("worker " + claim.getWorkerId() + " runs on another node"));
                }
                return nodes.byId(UUID.fromString(node)).chain(found -> workers
                        .liveOnNode(node, claim.getWorkerId(), now.minus(config.workerSilenceLimit()))
                        .chain(others -> {
                            Optional<String> refusal = NodeBacking.refusal(found.orElseThrow(), new NodeBacking
                                    .LayerFootprint(footprint.layerBytes(), footprint.kvBytesPerToken()),
                                    claim.getLayerEnd() - claim.getLayerStart(), claim.getCapacity().getMaxTokens(),
                                    others);
                            if (refusal.isPresent()) {
                                return Uni.createFrom().failure(denied(refusal.get()));
                            }
                            WorkerAnnouncement stamped = claim.hasAnnouncedAt() ? claim
                                    : claim.toBuilder().setAnnouncedAt(timestamp(now)).build();
                            return outbox.append(Topics.WORKERS, claim.getWorkerId(), stamped)
                                    .replaceWith(AnnounceResponse.getDefaultInstance());
                        }));
            });
        });
    }

    @Override
    @WithTransaction
    public Uni<HeartbeatResponse> heartbeat(WorkerHeartbeat heartbeat) {
        WorkerHeartbeat stamped = heartbeat.hasSentAt() ? heartbeat
                : heartbeat.toBuilder().setSentAt(timestamp(clock.instant())).build();
        return ownWorker(heartbeat.getWorkerId())
                .chain(() -> outbox.append(Topics.WORKERS, heartbeat.getWorkerId(), stamped))
                .replaceWith(HeartbeatResponse.getDefaultInstance());
    }

    @Override
    @WithTransaction
    public Uni<WithdrawResponse> withdraw(WorkerWithdrawn withdrawn) {
        WorkerWithdrawn stamped = withdrawn.hasWithdrawnAt() ? withdrawn
                : withdrawn.toBuilder().setWithdrawnAt(timestamp(clock.instant())).build();
        return ownWorker(withdrawn.getWorkerId())
                .chain(() -> outbox.append(Topics.WORKERS, withdrawn.getWorkerId(), stamped))
                .replaceWith(WithdrawResponse.getDefaultInstance());
    }

    /** The registry's worker of that id, which must run on the caller's node. */
    private Uni<ShardWorkerRecord> ownWorker(String workerId) {
        if (workerId.isBlank()) {
            return Uni.createFrom().failure(invalid("worker_id must not be blank"));
        }
        return identities.getDeferredIdentity().chain(caller -> workers.byId(workerId).map(found -> {
            ShardWorkerRecord row = found.orElseThrow(() -> Status.NOT_FOUND.withDescription("the registry knows no "
                    + "worker " + workerId + "; announce it first").asRuntimeException());
            if (!row.nodeId.equals(caller.getPrincipal().getName())) {
                throw denied("worker " + workerId + " runs on another node");
            }
            return row;
        }));
    }

    private static void requireWellFormed(WorkerAnnouncement claim) {
        if (claim.getWorkerId().isBlank()) {
            throw invalid("worker_id must not be blank");
        }
        if (claim.getModelId().isBlank()) {
            throw invalid("model_id must not be blank");
        }
        if (claim.getLayerStart() < 0 || claim.getLayerEnd() <= claim.getLayerStart()
                || claim.getLayerEnd() > claim.getTotalLayers()) {
            throw invalid("layer_start and layer_end must be 0 <= start < end <= total_layers, are "
                    + claim.getLayerStart() + ", " + claim.getLayerEnd() + " of " + claim.getTotalLayers());
        }
        if (claim.getAddress().isBlank()) {
            throw invalid("address must not be blank");
        }
        if (claim.getCapacity().getMaxSessions() <= 0 || claim.getCapacity().getMaxTokens() <= 0) {
            throw invalid("capacity.max_sessions and capacity.max_tokens must be positive");
        }
    }

    private RegistryConfig.ModelFootprint footprint(String modelId) {
        RegistryConfig.ModelFootprint footprint = config.models().get(modelId);
        if (footprint == null) {
            throw Status.FAILED_PRECONDITION.withDescription("the market knows no size of model " + modelId
                    + ", so no node can be shown to hold it").asRuntimeException();
        }
        return footprint;
    }

    private static void requireOwn(SecurityIdentity caller, String node, String claimedNode, String claimedOperator) {
        if (!claimedNode.equals(node)) {
            throw denied("the credential is node " + node + "'s; the announcement names node " + claimedNode);
        }
        String operator = caller.getAttribute(NodeIdentityProvider.OPERATOR);
        if (!claimedOperator.equals(operator)) {
            throw denied("node " + node + " is operator " + operator + "'s; the announcement names " + claimedOperator);
        }
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    private static RuntimeException invalid(String why) {
        return Status.INVALID_ARGUMENT.withDescription(why).asRuntimeException();
    }

    private static RuntimeException denied(String why) {
        return Status.PERMISSION_DENIED.withDescription(why).asRuntimeException();
    }
}
