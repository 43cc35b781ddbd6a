package computepool.market.orders;

/** The book could not write a decision; nothing of the request was kept and the book is rebuilt: 503. */
public class BookUnavailable extends RuntimeException {

    public BookUnavailable(Throwable cause) {
        super("the order book could not record the request; retry it", cause);
    }
}
