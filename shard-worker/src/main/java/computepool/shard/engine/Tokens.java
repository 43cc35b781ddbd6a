package computepool.shard.engine;

/** Token ids for the entry shard to embed. */
public record Tokens(int[] ids) implements ShardInput {

    @Override
    public int tokens() {
        return ids.length;
    }
}
