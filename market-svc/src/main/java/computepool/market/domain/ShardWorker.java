package computepool.market.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * What a shard worker announced about itself: the layers {@code [layerStart, layerEnd)} of a model it
 * serves, where, with how much room, and for which operator's node. Only sensible announcements become one.
 */
public record ShardWorker(String workerId, String modelId, int layerStart, int layerEnd, int totalLayers,
        String address, int maxSessions, int maxTokens, String operatorId, String nodeId, String payoutAddress,
        Instant announcedAt) {

    public ShardWorker {
        requireText(workerId, "worker_id");
        requireText(modelId, "model_id");
        requireText(address, "address");
        requireText(operatorId, "operator_id");
        requireText(nodeId, "node_id");
        Objects.requireNonNull(payoutAddress, "payout_address");
        Objects.requireNonNull(announcedAt, "announced_at");
        if (layerStart < 0) {
            throw new WorkerEventRejected("layer_start is " + layerStart + ", must not be negative");
        }
        if (layerStart >= layerEnd) {
            throw new WorkerEventRejected("layer_start " + layerStart + " must be below layer_end " + layerEnd);
        }
        if (layerEnd > totalLayers) {
            throw new WorkerEventRejected("layer_end " + layerEnd + " exceeds total_layers " + totalLayers);
        }
        if (maxSessions < 1) {
            throw new WorkerEventRejected("capacity.max_sessions is " + maxSessions + ", must be at least 1");
        }
        if (maxTokens < 0) {
            throw new WorkerEventRejected("capacity.max_tokens is " + maxTokens + ", must not be negative");
        }
    }

    /** Whether the two serve at least one common layer. */
    public boolean overlaps(ShardWorker other) {
        return layerStart < other.layerEnd && other.layerStart < layerEnd;
    }

    /** Whether both run on the same node of the same operator, for the same model. */
    public boolean sameNodeAndModel(ShardWorker other) {
        return operatorId.equals(other.operatorId) && nodeId.equals(other.nodeId) && modelId.equals(other.modelId);
    }

    /** {@code [a, b)}, as the messages of the registry write layer ranges. */
    public String layers() {
        return "[" + layerStart + ", " + layerEnd + ")";
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new WorkerEventRejected(field + " must not be blank");
        }
    }
}
