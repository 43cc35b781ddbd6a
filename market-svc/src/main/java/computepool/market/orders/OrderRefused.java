package computepool.market.orders;

/** A well-formed request the book's state refuses (a silent node, an order no longer in the book): 409. */
public class OrderRefused extends RuntimeException {

    private final String field;

    public OrderRefused(String field, String reason) {
        super(reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
