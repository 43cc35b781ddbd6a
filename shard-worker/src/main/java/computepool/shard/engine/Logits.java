package computepool.shard.engine;

/** The exit shard's scores over the vocabulary for the next token, before any softmax. */
public record Logits(float[] values) implements ShardOutput {

    /** The highest-scoring token, the lowest id on a tie. */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
