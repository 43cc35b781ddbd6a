package computepool.gateway.x402;

/** Answered 402 with an x402 body: what the request costs, how to pay it, and why the payment sent did not do. */
public final class PaymentRequiredException extends RuntimeException {

    private final X402.PaymentRequired body;

    PaymentRequiredException(X402.PaymentRequired body) {
        super(body.error(), null, false, false);
        this.body = body;
    }

    public X402.PaymentRequired body() {
        return body;
    }
}
