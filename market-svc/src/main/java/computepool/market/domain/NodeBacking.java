package computepool.market.domain;

import java.util.List;
import java.util.Optional;

/**
 * Whether a node backs what a worker claims to serve on it: one GPU of the node must hold the claimed layers' weights
 * and the KV cache of the worker's token budget, and the node may run no more workers than it has GPUs (one worker a
 * card). The sizes are the market's own figures for the model, not the worker's.
 */
public final class NodeBacking {

    private static final long BYTES_PER_GIB = 1L << 30;

    /** What one layer of a model takes on a GPU: its weights (fp32, the largest form a worker holds them in) and KV. */
    public record LayerFootprint(long weightBytes, long kvBytesPerToken) {
    }

    private NodeBacking() {
    }

    /**
     * Why {@code node} does not back a worker of {@code layers} layers with a budget of {@code maxTokens} KV positions,
     * given {@code otherWorkers} live workers on it already; empty when it does.
     */
    public static Optional<String> refusal(Node node, LayerFootprint footprint, int layers, long maxTokens,
            long otherWorkers) {
        long needed = layers * (footprint.weightBytes() + maxTokens * footprint.kvBytesPerToken());
        List<GpuGroup> gpus = node.gpus();
        long largest = gpus.stream().mapToLong(gpu -> gpu.memoryGib() * BYTES_PER_GIB).max().orElse(0);
        if (needed > largest) {
            return Optional.of("%d layers with %d KV positions take %d bytes; the largest GPU of node %s has %d"
                    .formatted(layers, maxTokens, needed, node.id(), largest));
        }
        long cards = gpus.stream().mapToLong(GpuGroup::count).sum();
        if (otherWorkers + 1 > cards) {
            return Optional.of("node %s has %d GPUs and runs %d workers already".formatted(node.id(), cards,
                    otherWorkers));
        }
        return Optional.empty();
    }
}
