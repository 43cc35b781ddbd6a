package computepool.gateway.x402;

import java.util.List;

/**
 * Answered 402: what the request costs, how to pay it, and why the payment sent did not do; in version 1's body and
 * version 2's {@code PAYMENT-REQUIRED} header alike, so a client of either version reads it.
 */
public final class PaymentRequiredException extends RuntimeException {

    private final Quote quote;

    PaymentRequiredException(Quote quote, String error) {
        super(error, null, false, false);
        this.quote = quote;
    }

    public X402.PaymentRequiredV1 v1Body() {
        return new X402.PaymentRequiredV1(X402.V1, getMessage(), List.of(quote.v1()));
    }

    public X402.PaymentRequiredV2 v2Header() {
        return new X402.PaymentRequiredV2(X402.V2, getMessage(), quote.resource(), List.of(quote.v2()));
    }
}
