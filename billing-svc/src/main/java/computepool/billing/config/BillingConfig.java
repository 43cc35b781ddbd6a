package computepool.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How billing ingests usage and treats holds and low balances. */
@ConfigMapping(prefix = "computepool.billing")
public interface BillingConfig {

    /**
     * How long a hold stays open unless settled or released: longer than any request takes (a completion of the
     * longest context at the slowest pipeline), short enough that a gateway that died mid-request does not keep a
     * developer's funds for long.
     */
    @WithDefault("10m")
    Duration holdTtl();

    /**
     * How long a market buy's hold waits for the book to take the buy (its {@code OrderPlaced}); a hold whose buy
     * never entered the book (market-svc stopped between holding and placing) lapses then.
     */
    @WithDefault("10m")
    Duration reservationHoldPendingTime();

    /** The longest a hold may be asked to last ({@code PlaceHoldRequest.hold_seconds}). */
    @WithDefault("1h")
    Duration maxHoldDuration();

    /** How often holds past their expiry are marked expired (their amounts are free from the expiry itself). */
    @WithDefault("30s")
    Duration holdExpiryInterval();

    /**
     * Charges each poll of usage events in one transaction (falling back to one by one for a poll that holds anything
     * unusual); false charges every event in its own transaction.
     */
    @WithDefault("true")
    boolean batchIngestion();

    /** A charge that takes a developer's balance (paid and subsidised) below this publishes {@code BalanceLow}. */
    @WithDefault("1000000000")
    long balanceLowThresholdNanoUsd();
}
