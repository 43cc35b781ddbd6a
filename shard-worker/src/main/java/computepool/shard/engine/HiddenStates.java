package computepool.shard.engine;

import java.nio.FloatBuffer;

/**
 * The residual stream after a shard's last layer: {@code tokens × hiddenSize} floats, position
 * by position, from the buffer's position to its limit.
 */
public record HiddenStates(FloatBuffer values, int tokens) implements ShardInput, ShardOutput {
}
