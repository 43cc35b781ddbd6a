package computepool.market.api;

import com.google.protobuf.Timestamp;
import computepool.market.domain.PipelinePlan;
import computepool.market.domain.RegisteredWorker;
import computepool.market.domain.ShardWorker;
import computepool.market.store.ShardWorkerRecord;
import computepool.market.store.ShardWorkerStore;
import computepool.workers.v1.Pipeline;
import computepool.workers.v1.Stage;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerCapacity;
import computepool.workers.v1.WorkerLoad;
import computepool.workers.v1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;

/** Maps the registry's domain types to the messages of {@code worker_registry.proto}. */
final class WorkerMessages {

    private WorkerMessages() {
    }

    static Pipeline pipeline(PipelinePlan.Found found) {
        Pipeline.Builder pipeline = Pipeline.newBuilder()
                .setModelId(found.modelId())
                .setTotalLayers(found.totalLayers());
        for (ShardWorker worker : found.stages()) {
            pipeline.addStages(Stage.newBuilder()
                    .setWorkerId(worker.workerId())
                    .setAddress(worker.address())
                    .setLayerStart(worker.layerStart())
                    .setLayerEnd(worker.layerEnd())
                    .setOperatorId(worker.operatorId())
                    .setNodeId(worker.nodeId()));
        }
        return pipeline.build();
    }

    static WorkerStatus status(ShardWorkerRecord row, Instant now, Duration silenceLimit) {
        RegisteredWorker registered = ShardWorkerStore.toDomain(row);
        WorkerStatus.Builder status = WorkerStatus.newBuilder()
                .setAnnouncement(announcement(registered.worker()))
                .setHealthy(registered.healthy(now, silenceLimit));
        registered.load().ifPresent(load -> status.setLoad(WorkerLoad.newBuilder()
                .setActiveSessions(load.activeSessions())
                .setTokensInFlight(load.tokensInFlight())));
        row.lastHeartbeatAt().ifPresent(at -> status.setLastHeartbeatAt(timestamp(at)));
        registered.refusedReason().ifPresent(status::setRefusedReason);
        return status.build();
    }

    private static WorkerAnnouncement announcement(ShardWorker worker) {
        return WorkerAnnouncement.newBuilder()
                .setWorkerId(worker.workerId())
                .setModelId(worker.modelId())
                .setLayerStart(worker.layerStart())
                .setLayerEnd(worker.layerEnd())
                .setTotalLayers(worker.totalLayers())
                .setAddress(worker.address())
                .setCapacity(WorkerCapacity.newBuilder()
                        .setMaxSessions(worker.maxSessions())
                        .setMaxTokens(worker.maxTokens()))
                .setOperatorId(worker.operatorId())
                .setNodeId(worker.nodeId())
                .setPayoutAddress(worker.payoutAddress())
                .setAnnouncedAt(timestamp(worker.announcedAt()))
                .build();
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
