package computepool.market.matching;

/** How long a buy that cannot fill whole at once waits for sells. */
public sealed interface TimeInForce {

    /**
     * Rests in the book and fills as soon as sells allow, until hour {@code expiresAtHour} begins. A buy cannot use
     * hours that have passed, so it expires no later than the hour it starts.
     */
    record Standing(long expiresAtHour) implements TimeInForce {
    }

    /** Fills whole at once, or is cancelled and leaves nothing in the book. */
    record ImmediateOrCancel() implements TimeInForce {
    }

    static TimeInForce standingUntil(long expiresAtHour) {
        return new Standing(expiresAtHour);
    }

    static TimeInForce immediateOrCancel() {
        return new ImmediateOrCancel();
    }
}
