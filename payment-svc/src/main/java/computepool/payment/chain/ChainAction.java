package computepool.payment.chain;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One transaction the platform wants on chain, as recorded: {@code PROPOSED} (nothing signed yet) → {@code SUBMITTED}
 * (signed with its nonce and recorded, then broadcast) → {@code CONFIRMED} (mined successfully), or, when an attempt
 * reverted or its nonce was taken by another transaction, back to {@code PROPOSED} for another attempt until
 * {@code max-attempts}, then {@code FAILED}.
 */
public record ChainAction(UUID id, String idempotencyKey, String kind, String sender, String contract, String callData,
        State state, int attempts, Optional<Long> nonce, Optional<String> txHash, Optional<String> rawTx,
        Optional<Long> blockNumber, Optional<String> failure, Instant proposedAt, Optional<Instant> submittedAt,
        Optional<Instant> broadcastAt, Optional<Instant> settledAt) {

    public enum State {
        PROPOSED, SUBMITTED, CONFIRMED, FAILED
    }

    /** What a retry of the same idempotency key must repeat exactly to count as the same action. */
    public boolean sameEffectAs(String otherKind, String otherSender, String otherContract, String otherCallData) {
        return kind.equals(otherKind) && sender.equals(otherSender) && contract.equals(otherContract)
                && callData.equals(otherCallData);
    }
}
