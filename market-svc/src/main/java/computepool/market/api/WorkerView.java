package computepool.market.api;

import computepool.market.domain.RegisteredWorker;
import computepool.market.domain.ShardWorker;
import computepool.market.store.ShardWorkerRecord;
import computepool.market.store.ShardWorkerStore;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A shard worker as the registry sees it, for administrators: what it announced, whether pipelines may use it now
 * and why not.
 *
 * @param healthy         heard from within the silence limit, not withdrawn and not refused
 * @param activeSessions  from its latest heartbeat; null before the first
 * @param lastHeartbeatAt by the registry's clock; null before the first heartbeat
 * @param lastHeardAt     the latest announcement or heartbeat, by the registry's clock
 * @param withdrawnReason why it withdrew; null while it serves
 * @param refusedReason   why the registry refused its announcement; null when accepted
 */
public record WorkerView(String workerId, String modelId, int layerStart, int layerEnd, int totalLayers,
        String address, String operatorId, String nodeId, int maxSessions, boolean healthy,
        @Schema(nullable = true) Integer activeSessions, Instant announcedAt,
        @Schema(nullable = true) Instant lastHeartbeatAt, Instant lastHeardAt,
        @Schema(nullable = true) String withdrawnReason, @Schema(nullable = true) String refusedReason) {

    static WorkerView of(ShardWorkerRecord row, Instant now, Duration silenceLimit) {
        RegisteredWorker registered = ShardWorkerStore.toDomain(row);
        ShardWorker worker = registered.worker();
        return new WorkerView(worker.workerId(), worker.modelId(), worker.layerStart(), worker.layerEnd(),
                worker.totalLayers(), worker.address(), worker.operatorId(), worker.nodeId(), worker.maxSessions(),
                registered.healthy(now, silenceLimit), registered.load().map(load -> load.activeSessions()).orElse(null),
                worker.announcedAt(), row.lastHeartbeatAt().orElse(null), registered.lastHeardAt(),
                registered.withdrawn().orElse(null), registered.refusedReason().orElse(null));
    }
}
