package computepool.billing.domain;

import java.util.List;

/** What an account of the ledger holds. */
public enum AccountKind {
    /** Money a developer paid in. */
    DEVELOPER_PAID,
    /** Credit granted by subsidy policy, spent before paid money. */
    DEVELOPER_SUBSIDISED,
    /** What an operator earned for its workers' compute and has not been paid out yet. */
    OPERATOR_EARNINGS,
    /** The platform's fees. One account. */
    PLATFORM_REVENUE,
    /** The counterpart of money developers paid into their wallets (it runs negative). One account. */
    TOP_UPS_RECEIVED,
    /** The counterpart of credit the platform granted into subsidised wallets (it runs negative). One account. */
    SUBSIDIES_GRANTED,
    /** What was paid out to operators on chain (it runs positive as earnings accounts fall). One account. */
    OPERATOR_PAYOUTS,
    /** The counterpart of what x402 vouchers paid on chain (it runs negative). One account. */
    VOUCHERS_RECEIVED,
    /**
     * Vouchers settled on chain whose requests are not served yet. One account. It runs negative for a moment when a
     * request's usage arrives before its settlement's confirmation.
     */
    VOUCHERS_UNSERVED,
    /** Earnings operators forfeited when slashed (it runs positive as their earnings accounts fall). One account. */
    OPERATOR_FORFEITS;

    /** The wallets every developer has. */
    public static final List<AccountKind> DEVELOPER_WALLETS = List.of(DEVELOPER_PAID, DEVELOPER_SUBSIDISED);
}
