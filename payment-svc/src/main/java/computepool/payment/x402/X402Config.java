package computepool.payment.x402;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** What the x402 facilitator settles, and how many settlements it waits on at once. */
@ConfigMapping(prefix = "computepool.x402")
public interface X402Config {

    /**
     * The smallest amount it verifies or settles, in the token's smallest unit (a micro-USD): the treasury pays every
     * settlement's gas, which dust would not cover.
     */
    @WithDefault("1000")
    long minimumAmount();

    /** Settlements waited on at once; one more is answered 503 until one of them ends. */
    @WithDefault("64")
    int maxConcurrentSettlements();

    /** The longest a settlement waits for its transaction, or the requirements' maxTimeoutSeconds if shorter. */
    @WithDefault("60s")
    Duration longestWait();

    /** How often a waiting settlement looks at its chain action. */
    @WithDefault("100ms")
    Duration pollInterval();
}
