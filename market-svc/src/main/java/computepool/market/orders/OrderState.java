package computepool.market.orders;

/** Where an order stands. */
public enum OrderState {
    /** A sell in the book, offering what its buyers have not taken. */
    OPEN,
    /** A standing buy waiting for sells. */
    RESTING,
    /** A buy filled whole; its reservation holds the GPUs. */
    FILLED,
    /** Cancelled by its owner, or an immediate-or-cancel buy that could not fill whole. */
    CANCELLED,
    /** A standing buy whose expiry came before it could fill. */
    EXPIRED
}
