package computepool.billing.domain;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A balanced ledger transaction: its postings sum to zero, with at most one posting per account (amounts to one
 * account are added up; an account that nets to zero is left out).
 *
 * @param kind      what kind of event it books ({@code inference}, ...)
 * @param reference what caused it; a (kind, reference) pair is booked once
 */
public record LedgerEntry(UUID id, String kind, String reference, Instant occurredAt, List<Posting> postings) {

    public static final String INFERENCE = "inference";
    /** A metered period of a market reservation; the reference is its usage id. */
    public static final String RESERVATION = "reservation";
    public static final String TOP_UP = "top-up";
    public static final String PAYOUT = "payout";
    public static final String FORFEIT = "forfeit";
    /** An x402 transfer confirmed on chain; the reference is its transaction hash, lower case. */
    public static final String VOUCHER_SETTLED = "voucher-settled";
    /**
     * The request an x402 transfer paid for, served; the reference is the transfer's transaction hash, lower case, so
     * a transfer pays for one request.
     */
    public static final String VOUCHER_SERVED = "voucher-served";

    public LedgerEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Map<UUID, Long> byAccount = new LinkedHashMap<>();
        for (Posting posting : postings) {
            byAccount.merge(posting.accountId(), posting.amountNanoUsd(), Math::addExact);
        }
        long sum = byAccount.values().stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
        if (sum != 0) {
            throw new IllegalArgumentException("ledger transaction " + kind + " " + reference
                    + " does not balance: its postings sum to " + sum);
        }
        postings = byAccount.entrySet().stream().filter(entry -> entry.getValue() != 0)
                .map(entry -> new Posting(entry.getKey(), entry.getValue())).toList();
    }
}
