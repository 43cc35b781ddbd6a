package computepool.billing.domain;

/** What an account of the ledger holds. */
public enum AccountKind {
    /** Money a developer paid in. */
    DEVELOPER_PAID,
    /** Credit granted by subsidy policy, spent before paid money. */
    DEVELOPER_SUBSIDISED
}
