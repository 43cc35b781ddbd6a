package computepool.market.orders;

/** The caller has no such order or node: answered 404, as if it did not exist. */
public class OrderNotFound extends RuntimeException {

    public OrderNotFound(String message) {
        super(message);
    }
}
