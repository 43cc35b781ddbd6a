package computepool.market.funding;

/** The buyer's funds do not cover the buy's most cost, after what they hold for other work already. */
public final class UnfundedBuy extends RuntimeException {

    private final long requiredNanoUsd;
    private final long availableNanoUsd;

    public UnfundedBuy(long requiredNanoUsd, long availableNanoUsd) {
        super("the buy can cost up to " + requiredNanoUsd + " nano-USD (limit price x GPUs x hours); the buyer can "
                + "spend " + availableNanoUsd + " nano-USD on reservation.gpu_seconds");
        this.requiredNanoUsd = requiredNanoUsd;
        this.availableNanoUsd = availableNanoUsd;
    }

    public long requiredNanoUsd() {
        return requiredNanoUsd;
    }

    public long availableNanoUsd() {
        return availableNanoUsd;
    }
}
