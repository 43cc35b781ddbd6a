package computepool.billing.domain;

/** Where a hold is in its life: placed, then ended one of three ways. */
public enum HoldState {
    /** Counts against what the developer can spend until it expires. */
    PLACED,
    /** Its request was charged. */
    SETTLED,
    /** Its request never ran. */
    RELEASED,
    /** Nobody settled it before it expired; its amount became free again then. */
    EXPIRED
}
