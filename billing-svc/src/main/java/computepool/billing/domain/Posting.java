package computepool.billing.domain;

import java.util.Objects;
import java.util.UUID;

/** One line of a ledger transaction: a signed amount on an account (negative takes, positive gives). */
public record Posting(UUID accountId, long amountNanoUsd) {

    public Posting {
        Objects.requireNonNull(accountId, "accountId");
        if (amountNanoUsd == 0) {
            throw new IllegalArgumentException("a posting moves money; zero on " + accountId);
        }
    }
}
