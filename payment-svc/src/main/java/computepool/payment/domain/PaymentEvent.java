package computepool.payment.domain;

import java.util.Arrays;
import java.util.Optional;

/** The payment events a webhook endpoint can subscribe to. */
public enum PaymentEvent {
    /** An operator's payout reached their wallet on chain. */
    PAYOUT_SETTLED("payout.settled"),
    /** An operator's payout could not be completed. */
    PAYOUT_FAILED("payout.failed"),
    /** A payment from a developer or an agent was received and verified. */
    PAYMENT_RECEIVED("payment.received");

    public static final String MUST_BE_KNOWN = "must be one of payout.settled, payout.failed, payment.received";

    private final String wireName;

    PaymentEvent(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<PaymentEvent> named(String wireName) {
        return Arrays.stream(values()).filter(e -> e.wireName.equals(wireName)).findFirst();
    }
}
