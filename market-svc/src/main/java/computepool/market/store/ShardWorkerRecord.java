package computepool.market.store;

import computepool.market.domain.RegisteredWorker;
import computepool.market.domain.ShardWorker;
import computepool.market.domain.WorkerLoad;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** The row of one shard worker: its latest announcement and heartbeat, and whether it withdrew or was refused. */
@Entity
@Table(name = "shard_worker")
public class ShardWorkerRecord {

    @Id
    @Column(name = "worker_id")
    public String workerId;

    @Column(name = "model_id", nullable = false)
    public String modelId;

    @Column(name = "layer_start", nullable = false)
    public int layerStart;

    @Column(name = "layer_end", nullable = false)
    public int layerEnd;

    @Column(name = "total_layers", nullable = false)
    public int totalLayers;

    @Column(nullable = false)
    public String address;

    @Column(name = "max_sessions", nullable = false)
    public int maxSessions;

    @Column(name = "max_tokens", nullable = false)
    public int maxTokens;

    @Column(name = "operator_id", nullable = false)
    public String operatorId;

    @Column(name = "node_id", nullable = false)
    public String nodeId;

    @Column(name = "payout_address", nullable = false)
    public String payoutAddress;

    @Column(name = "announced_at", nullable = false)
    public Instant announcedAt;

    @Column(name = "heartbeat_sent_at")
    public Instant heartbeatSentAt;

    @Column(name = "withdrawn_at")
    public Instant withdrawnAt;

    @Column(name = "last_heard_at", nullable = false)
    public Instant lastHeardAt;

    @Column(name = "last_heartbeat_at")
    public Instant lastHeartbeatAt;

    @Column(name = "active_sessions")
    public Integer activeSessions;

    @Column(name = "tokens_in_flight")
    public Integer tokensInFlight;

    @Column(name = "withdrawn_reason")
    public String withdrawnReason;

    @Column(name = "refused_reason")
    public String refusedReason;

    /** Replaces the announced facts; heartbeat, withdrawal and refusal are the caller's to set. */
    void announce(ShardWorker worker) {
        workerId = worker.workerId();
        modelId = worker.modelId();
        layerStart = worker.layerStart();
        layerEnd = worker.layerEnd();
        totalLayers = worker.totalLayers();
        address = worker.address();
        maxSessions = worker.maxSessions();
        maxTokens = worker.maxTokens();
        operatorId = worker.operatorId();
        nodeId = worker.nodeId();
        payoutAddress = worker.payoutAddress();
        announcedAt = worker.announcedAt();
    }

    ShardWorker announced() {
        return new ShardWorker(workerId, modelId, layerStart, layerEnd, totalLayers, address, maxSessions, maxTokens,
                operatorId, nodeId, payoutAddress, announcedAt);
    }

    /** When the worker last sent a heartbeat, by the registry's clock; empty before the first. */
    public Optional<Instant> lastHeartbeatAt() {
        return Optional.ofNullable(lastHeartbeatAt);
    }

    RegisteredWorker toDomain() {
        Optional<WorkerLoad> load = activeSessions == null
                ? Optional.empty()
                : Optional.of(new WorkerLoad(activeSessions, tokensInFlight == null ? 0 : tokensInFlight));
        return new RegisteredWorker(announced(), load, lastHeardAt,
                Optional.ofNullable(withdrawnAt).map(at -> withdrawnReason == null ? "" : withdrawnReason),
                Optional.ofNullable(refusedReason));
    }
}
