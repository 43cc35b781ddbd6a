package computepool.payment.chain;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One transaction the platform wants on chain, as recorded: {@code PROPOSED} (nothing signed yet) → {@code SUBMITTED}
 * (signed with its nonce and recorded, then broadcast; replaced at the same nonce with higher fees while unmined) →
 * {@code CONFIRMED} (one of the attempt's transactions mined successfully), or, when an attempt reverted or its nonce
 * was proven taken by another transaction, back to {@code PROPOSED} for another attempt until {@code max-attempts},
 * then {@code FAILED}; {@code FAILED} too when the attempt was given up and its cancel mined instead.
 */
public record ChainAction(UUID id, String idempotencyKey, String kind, String sender, String contract, String callData,
        State state, int attempts, Optional<Long> nonce, Optional<String> txHash, Optional<String> rawTx,
        Optional<Long> blockNumber, Optional<String> failure, Instant proposedAt, Optional<Instant> submittedAt,
        Optional<Instant> broadcastAt, Optional<Instant> settledAt, Optional<Signing> signing) {

    public enum State {
        PROPOSED, SUBMITTED, CONFIRMED, FAILED
    }

    /** Why the node refused the current transaction: its fees (replaced at once) or another reason (sent again later). */
    public enum Refusal {
        UNDERPRICED, REFUSED
    }

    /**
     * The SUBMITTED attempt's current transaction: when it was signed, its fees, how many replacements came before
     * it, whether it is the attempt's cancel, the chain's head when the attempt's nonce was first signed (-1 when not
     * recorded), the node's refusal of it, and another transaction seen mined at the nonce.
     */
    public record Signing(Instant signedAt, Fees fees, int replacements, boolean cancelling, long signedBlock,
            Optional<Refusal> refusal, Optional<Instant> refusedAt, Optional<Displacement> displacement) {
    }

    /** EIP-1559 fees in wei per gas, and the gas limit. */
    public record Fees(long maxFeePerGas, long maxPriorityFeePerGas, long gasLimit) {
    }

    /** A transaction not the platform's, mined at the attempt's nonce in {@code block}, read so {@code reads} times in a row. */
    public record Displacement(String txHash, long block, int reads) {
    }

    /** The same action as settled by {@code minedHash}, one of its attempt's transactions. */
    public ChainAction withTxHash(String minedHash) {
        return new ChainAction(id, idempotencyKey, kind, sender, contract, callData, state, attempts, nonce,
                Optional.of(minedHash), rawTx, blockNumber, failure, proposedAt, submittedAt, broadcastAt, settledAt,
                signing);
    }

    /** What a retry of the same idempotency key must repeat exactly to count as the same action. */
    public boolean sameEffectAs(String otherKind, String otherSender, String otherContract, String otherCallData) {
        return kind.equals(otherKind) && sender.equals(otherSender) && contract.equals(otherContract)
                && callData.equals(otherCallData);
    }
}
