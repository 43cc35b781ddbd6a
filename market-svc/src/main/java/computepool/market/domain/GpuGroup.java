package computepool.market.domain;

import java.util.Objects;

/** Identical cards in one node: a model, the memory of each card, how many, and each card's power limit. */
public record GpuGroup(GpuModel model, int memoryGib, int count, int powerLimitWatts) {

    public GpuGroup {
        Objects.requireNonNull(model, "model");
        if (memoryGib < 1) {
            throw new IllegalArgumentException("memoryGib must be at least 1");
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        if (powerLimitWatts < 1) {
            throw new IllegalArgumentException("powerLimitWatts must be at least 1");
        }
    }

    /** The most the group may draw: every card at its power limit. */
    public long peakWatts() {
        return (long) powerLimitWatts * count;
    }
}
