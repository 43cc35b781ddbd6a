package computepool.market.orders;

/** Which side of the book an order is on. */
public enum Side {
    SELL,
    BUY
}
