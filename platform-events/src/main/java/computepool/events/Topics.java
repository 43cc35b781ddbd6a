package computepool.events;

import java.util.List;

/**
 * Kafka topics of the platform, one per aggregate family; proto/README.md lists the event types on each.
 */
public final class Topics {

    public static final String USAGE = "usage";
    public static final String BILLING = "billing";
    public static final String MARKET = "market";
    public static final String IDENTITY = "identity";
    public static final String SANDBOX = "sandbox";
    public static final String PAYMENT = "payment";
    public static final String WORKERS = "workers";

    public static final List<String> ALL = List.of(USAGE, BILLING, MARKET, IDENTITY, SANDBOX, PAYMENT, WORKERS);

    private Topics() {
    }
}
