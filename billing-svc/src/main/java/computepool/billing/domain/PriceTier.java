package computepool.billing.domain;

/** How compute is sold: reserved or on demand at a set price, or spot at the clearing price, preemptible. */
public enum PriceTier {
    ON_DEMAND,
    SPOT
}
