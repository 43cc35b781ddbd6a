package computepool.shard.engine;

/** What one step yields: hidden states for the next shard, or the exit shard's logits. */
public sealed interface ShardOutput permits HiddenStates, Logits {
}
