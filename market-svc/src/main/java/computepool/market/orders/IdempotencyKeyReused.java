package computepool.market.orders;

/** An idempotency key the owner already used for another request: 409, and nothing placed. */
public class IdempotencyKeyReused extends RuntimeException {

    public IdempotencyKeyReused(String key) {
        super("Idempotency-Key " + key + " was used for another request");
    }
}
