package computepool.events;

import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /**
     * The services that publish on each topic, as the {@code ce_source} they stamp (proto/README.md's topic table;
     * proto's ContractTableTest keeps the two the same). A consumer parks an event on one of these topics from any
     * other source: Kafka's ACLs decide who may write a topic, this catches what got there anyway.
     */
    public static final Map<String, Set<String>> PRODUCERS = Map.of(
            USAGE, Set.of("/gateway-svc", "/market-svc"),
            BILLING, Set.of("/billing-svc"),
            MARKET, Set.of("/market-svc"),
            IDENTITY, Set.of("/identity-svc"),
            SANDBOX, Set.of(),
            PAYMENT, Set.of("/payment-svc"),
            WORKERS, Set.of("/market-svc"));

    /** Whether an event stamped {@code source} may be on {@code topic}; a topic outside the platform's is not checked. */
    public static boolean mayPublish(String topic, String source) {
        Set<String> producers = PRODUCERS.get(topic);
        return producers == null || producers.contains(source);
    }

    private Topics() {
    }
}
