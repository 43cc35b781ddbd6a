package computepool.shard.engine;

/** What one step feeds a shard: token ids on the entry shard, hidden states on any other. */
public sealed interface ShardInput permits Tokens, HiddenStates {

    /** Sequence positions this step appends to the session. */
    int tokens();
}
