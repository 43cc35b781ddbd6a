package computepool.shard.engine;

/**
 * The decoder layers {@code [start, end)} one shard computes. The shard holding layer 0 also embeds
 * tokens; the one holding the last layer also applies the final norm and the LM head.
 */
public record LayerRange(int start, int end) {

    public LayerRange {
        if (start < 0 || start >= end) {
            throw new IllegalArgumentException("layer range [" + start + ", " + end + ") is empty or negative");
        }
    }

    /** The range, checked to lie inside {@code spec}'s layers. */
    public static LayerRange of(int start, int end, ModelSpec spec) {
        LayerRange range = new LayerRange(start, end);
        if (end > spec.layerCount()) {
            throw new IllegalArgumentException("layer range [" + start + ", " + end + ") lies outside the model's "
                    + spec.layerCount() + " layers");
        }
        return range;
    }

    public static LayerRange all(ModelSpec spec) {
        return new LayerRange(0, spec.layerCount());
    }

    public int count() {
        return end - start;
    }

    public boolean isEntry() {
        return start == 0;
    }

    public boolean isExit(ModelSpec spec) {
        return end == spec.layerCount();
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
