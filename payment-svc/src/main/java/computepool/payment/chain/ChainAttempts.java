package computepool.payment.chain;

import static computepool.payment.chain.ChainActionStore.COLUMNS;
import static computepool.payment.chain.ChainActionStore.TIMEOUT;
import static computepool.payment.chain.ChainActionStore.utc;

import computepool.events.Outbox;
import computepool.payment.v1.ChainDiscrepancy;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What happens to an action's transactions, as the processor records it: an attempt signed at a nonce, its
 * replacements and cancel at the same nonce, the node's refusals, another transaction seen at the nonce, and the
 * attempt's end. Every write names the attempt it saw (its number, or its current transaction) and changes nothing
 * when another replica has moved the action on since. Each method blocks until its transaction has committed.
 */
@ApplicationScoped
public class ChainAttempts {

    /** A signed transaction: its hash and its raw bytes as hex, both 0x-prefixed. */
    public record SignedTransaction(String hash, String raw) {
    }

    /** Signs the action's call for a given nonce. */
    @FunctionalInterface
    public interface Signer {
        SignedTransaction sign(long nonce) throws Exception;
    }

    /** A transaction signed at the current attempt's nonce: the call, or the cancel that frees the nonce. */
    public record Signed(String hash, boolean cancel) {
    }

    private static final String ATTEMPT_CLEARED = """
            nonce = null, tx_hash = null, raw_tx = null, submitted_at = null, broadcast_at = null, signed_at = null,
            replacements = 0, max_fee_per_gas = null, max_priority_fee_per_gas = null, gas_limit = null,
            cancelling = false, signed_block = null, refusal_kind = null, refused_at = null, displaced_by = null,
            displaced_block = null, displacement_reads = 0""";

    private final Pool database;
    private final Outbox outbox;

    public ChainAttempts(Pool database, Outbox outbox) {
        this.database = database;
        this.outbox = outbox;
    }

    /**
     * Assigns the next nonce of the action's sender and records the transaction signed with it, in one commit: the
     * action becomes SUBMITTED before anything is broadcast. The nonce is the larger of the platform's next nonce
     * and {@code chainNonce} (the sender's transaction count on chain, pending ones included, read just before), so
     * a transaction sent from the key elsewhere does not block the queue. {@code headBlock} is the chain's head now,
     * where a search for whatever uses the nonce starts. Answers empty when the action is no longer PROPOSED
     * (another replica signed it).
     */
    public Optional<ChainAction> sign(ChainAction action, long chainNonce, long headBlock, ChainAction.Fees fees,
            Signer signer, Instant now) throws Exception {
        SqlConnection connection = database.getConnection().await().atMost(TIMEOUT);
        try {
            Transaction transaction = connection.begin().await().atMost(TIMEOUT);
            String state = connection.preparedQuery("select state from chain_action where id = $1 for update")
                    .execute(Tuple.of(action.id())).await().atMost(TIMEOUT).iterator().next().getString("state");
            if (!state.equals(ChainAction.State.PROPOSED.name())) {
                transaction.rollback().await().atMost(TIMEOUT);
                return Optional.empty();
            }
            connection.preparedQuery("insert into chain_sender (address, next_nonce) values ($1, 0) on conflict do nothing")
                    .execute(Tuple.of(action.sender())).await().atMost(TIMEOUT);
            long next = connection.preparedQuery("select next_nonce from chain_sender where address = $1 for update")
                    .execute(Tuple.of(action.sender())).await().atMost(TIMEOUT).iterator().next().getLong("next_nonce");
            long nonce = Math.max(next, chainNonce);
            SignedTransaction signed = signer.sign(nonce);
            connection.preparedQuery("update chain_sender set next_nonce = $2 where address = $1")
                    .execute(Tuple.of(action.sender(), nonce + 1)).await().atMost(TIMEOUT);
            connection.preparedQuery("""
                            insert into chain_transaction (tx_hash, action_id, attempt, replacement, nonce, purpose,
                                   max_fee_per_gas, max_priority_fee_per_gas, signed_at)
                            select $2, id, attempts + 1, 0, $3, 'CALL', $4, $5, $6 from chain_action where id = $1""")
                    .execute(Tuple.from(new Object[] {action.id(), signed.hash(), nonce, fees.maxFeePerGas(),
                            fees.maxPriorityFeePerGas(), utc(now)}))
                    .await().atMost(TIMEOUT);
            ChainAction submitted = ChainActionStore.action(connection.preparedQuery("""
                            update chain_action set state = 'SUBMITTED', attempts = attempts + 1, nonce = $2,
                                   tx_hash = $3, raw_tx = $4, failure = null, submitted_at = $5, broadcast_at = null,
                                   signed_at = $5, replacements = 0, max_fee_per_gas = $6, max_priority_fee_per_gas = $7,
                                   gas_limit = $8, cancelling = false, signed_block = $9, refusal_kind = null,
                                   refused_at = null, displaced_by = null, displaced_block = null, displacement_reads = 0
                            where id = $1 returning\s""" + COLUMNS)
                    .execute(Tuple.from(new Object[] {action.id(), nonce, signed.hash(), signed.raw(), utc(now),
                            fees.maxFeePerGas(), fees.maxPriorityFeePerGas(), fees.gasLimit(), headBlock}))
                    .await().atMost(TIMEOUT).iterator().next());
            transaction.commit().await().atMost(TIMEOUT);
            return Optional.of(submitted);
        } finally {
            connection.close().await().atMost(TIMEOUT);
        }
    }

    /**
     * Records {@code signed} as the attempt's next transaction at the same nonce (a replacement with higher fees, or
     * the cancel), before it is broadcast. Answers empty when the action's current transaction is no longer the one
     * it replaces.
     */
    public Optional<ChainAction> replace(ChainAction action, SignedTransaction signed, ChainAction.Fees fees,
            boolean cancel, Instant now) {
        return database.withTransaction(connection -> connection.preparedQuery("""
                                update chain_action set tx_hash = $3, raw_tx = $4, signed_at = $5,
                                       replacements = replacements + 1, max_fee_per_gas = $6,
                                       max_priority_fee_per_gas = $7, gas_limit = $8, cancelling = $9,
                                       refusal_kind = null, refused_at = null, broadcast_at = null
                                where id = $1 and tx_hash = $2 and state = 'SUBMITTED' returning\s""" + COLUMNS)
                        .execute(Tuple.from(new Object[] {action.id(), action.txHash().orElseThrow(), signed.hash(),
                                signed.raw(), utc(now), fees.maxFeePerGas(), fees.maxPriorityFeePerGas(),
                                fees.gasLimit(), cancel}))
                        .chain(rows -> {
                            if (rows.size() == 0) {
                                return Uni.createFrom().item(Optional.<ChainAction>empty());
                            }
                            ChainAction replaced = ChainActionStore.action(rows.iterator().next());
                            return connection.preparedQuery("""
                                            insert into chain_transaction (tx_hash, action_id, attempt, replacement,
                                                   nonce, purpose, max_fee_per_gas, max_priority_fee_per_gas, signed_at)
                                            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                                    .execute(Tuple.from(new Object[] {signed.hash(), action.id(), replaced.attempts(),
                                            replaced.signing().orElseThrow().replacements(), replaced.nonce().orElseThrow(),
                                            cancel ? "CANCEL" : "CALL", fees.maxFeePerGas(), fees.maxPriorityFeePerGas(),
                                            utc(now)}))
                                    .replaceWith(Optional.of(replaced));
                        }))
                .await().atMost(TIMEOUT);
    }

    /** The node accepted the current transaction (or knew it already). */
    public void broadcast(ChainAction action, Instant now) {
        database.preparedQuery("update chain_action set broadcast_at = $3 where id = $1 and tx_hash = $2")
                .execute(Tuple.of(action.id(), action.txHash().orElseThrow(), utc(now))).await().atMost(TIMEOUT);
    }

    /** The node refused the current transaction: it is not broadcast, and the refusal is kept with the transaction. */
    public void refused(ChainAction action, ChainAction.Refusal refusal, String message, Instant now) {
        String hash = action.txHash().orElseThrow();
        database.withTransaction(connection -> connection.preparedQuery("""
                                update chain_action set refusal_kind = $3, refused_at = $4, failure = $5
                                where id = $1 and tx_hash = $2 and state = 'SUBMITTED'""")
                        .execute(Tuple.of(action.id(), hash, refusal.name(), utc(now), message))
                        .chain(() -> connection.preparedQuery(
                                        "update chain_transaction set refusal = $2, refused_at = $3 where tx_hash = $1")
                                .execute(Tuple.of(hash, message, utc(now)))))
                .await().atMost(TIMEOUT);
    }

    /** The transactions signed at the current attempt's nonce, newest first. */
    public List<Signed> signedAtNonce(ChainAction action) {
        List<Signed> signed = new ArrayList<>();
        database.preparedQuery("""
                        select tx_hash, purpose from chain_transaction where action_id = $1 and attempt = $2
                        order by replacement desc""")
                .execute(Tuple.of(action.id(), action.attempts())).await().atMost(TIMEOUT)
                .forEach(row -> signed.add(new Signed(row.getString("tx_hash"), "CANCEL".equals(row.getString("purpose")))));
        return signed;
    }

    /**
     * Records another transaction read as mined at the attempt's nonce in {@code block} (none: {@code txHash}
     * empty); answers how many reads in a row have seen that same transaction in that same block.
     */
    public int observeDisplacement(ChainAction action, Optional<String> txHash, long block) {
        RowSet<Row> rows = database.preparedQuery("""
                        update chain_action set displaced_by = $3, displaced_block = $4,
                               displacement_reads = case when $3::text is null then 0
                                   when displaced_by = $3 and displaced_block = $4 then displacement_reads + 1 else 1 end
                        where id = $1 and attempts = $2 and state = 'SUBMITTED' returning displacement_reads""")
                .execute(Tuple.of(action.id(), action.attempts(), txHash.orElse(null), txHash.isPresent() ? block : null))
                .await().atMost(TIMEOUT);
        return rows.size() == 0 ? 0 : rows.iterator().next().getInteger("displacement_reads");
    }

    /**
     * {@code minedHash}, one of the attempt's calls, was mined successfully: the action is CONFIRMED with it, the
     * attempt's other transactions are REPLACED, and {@code announced} goes through the outbox in the same commit
     * (only if this call confirmed it: a second confirmation announces nothing).
     */
    public void confirm(ChainAction action, String minedHash, long blockNumber, List<Outbox.Entry> announced,
            Instant now) {
        database.withTransaction(connection -> connection.preparedQuery("""
                        update chain_action set state = 'CONFIRMED', tx_hash = $3, block_number = $4, settled_at = $5,
                               raw_tx = null
                        where id = $1 and attempts = $2 and state = 'SUBMITTED'""")
                .execute(Tuple.of(action.id(), action.attempts(), minedHash, blockNumber, utc(now)))
                .chain(confirmed -> outcomes(connection, action, minedHash, "SUCCEEDED", "REPLACED")
                        .chain(() -> confirmed.rowCount() == 0 || announced.isEmpty() ? Uni.createFrom().voidItem()
                                : outbox.appendAll(connection, announced).replaceWithVoid())))
                .await().atMost(TIMEOUT);
    }

    /**
     * The attempt ended without the effect: {@code minedHash} reverted (the others are REPLACED), or another
     * transaction took the nonce ({@code minedHash} empty: all are DISPLACED). The action goes back to PROPOSED for
     * another attempt or, when {@code failed} is given, ends FAILED and the discrepancy is announced in the same
     * commit.
     */
    public void attemptEnded(ChainAction action, Optional<String> minedHash, String outcome, String failure,
            Optional<ChainDiscrepancy> failed, Instant now) {
        database.withTransaction(connection -> connection.preparedQuery(failed.isEmpty()
                                ? "update chain_action set state = 'PROPOSED', failure = $3, " + ATTEMPT_CLEARED
                                        + " where id = $1 and attempts = $2 and state = 'SUBMITTED'"
                                : """
                                update chain_action set state = 'FAILED', raw_tx = null, failure = $3, settled_at = $4,
                                       tx_hash = coalesce($5, tx_hash)
                                where id = $1 and attempts = $2 and state = 'SUBMITTED'""")
                        .execute(failed.isEmpty() ? Tuple.of(action.id(), action.attempts(), failure)
                                : Tuple.of(action.id(), action.attempts(), failure, utc(now), minedHash.orElse(null)))
                        .chain(ended -> ended.rowCount() == 0 ? Uni.createFrom().voidItem()
                                : outcomes(connection, action, minedHash.orElse(""), outcome,
                                                minedHash.isPresent() ? "REPLACED" : outcome)
                                        .chain(() -> ChainActionStore.announceIn(outbox, connection, failed,
                                                action.id().toString(), now))))
                .await().atMost(TIMEOUT);
    }

    /**
     * The attempt's cancel was mined: the nonce is used and the action's call never will be. The action is FAILED
     * and {@code failed} announced in the same commit.
     */
    public void cancelled(ChainAction action, String cancelHash, long blockNumber, ChainDiscrepancy failed,
            Instant now) {
        database.withTransaction(connection -> connection.preparedQuery("""
                                update chain_action set state = 'FAILED', tx_hash = $3, block_number = $4, raw_tx = null,
                                       failure = $5, settled_at = $6
                                where id = $1 and attempts = $2 and state = 'SUBMITTED'""")
                        .execute(Tuple.from(new Object[] {action.id(), action.attempts(), cancelHash, blockNumber,
                                failed.getObserved(), utc(now)}))
                        .chain(ended -> ended.rowCount() == 0 ? Uni.createFrom().voidItem()
                                : outcomes(connection, action, cancelHash, "CANCELLED", "REPLACED")
                                        .chain(() -> ChainActionStore.announceIn(outbox, connection,
                                                Optional.of(failed), action.id().toString(), now))))
                .await().atMost(TIMEOUT);
    }

    /**
     * The action cannot even be estimated (its call reverts now): another try later or, when {@code failed} is given,
     * FAILED with the discrepancy announced in the same commit.
     */
    public void notSigned(ChainAction action, String failure, Optional<ChainDiscrepancy> failed, Instant now) {
        database.withTransaction(connection -> connection.preparedQuery(failed.isEmpty()
                                ? "update chain_action set attempts = attempts + 1, failure = $2 where id = $1 and state = 'PROPOSED'"
                                : "update chain_action set attempts = attempts + 1, failure = $2, state = 'FAILED', "
                                        + "settled_at = $3 where id = $1 and state = 'PROPOSED'")
                        .execute(failed.isEmpty() ? Tuple.of(action.id(), failure) : Tuple.of(action.id(), failure, utc(now)))
                        .chain(() -> ChainActionStore.announceIn(outbox, connection, failed, action.id().toString(), now)))
                .await().atMost(TIMEOUT);
    }

    /** The attempt's transactions' outcomes: {@code mined} gets {@code minedOutcome}, every other {@code others}. */
    private static Uni<Void> outcomes(SqlConnection connection, ChainAction action, String mined, String minedOutcome,
            String others) {
        return connection.preparedQuery("""
                        update chain_transaction set outcome = case when tx_hash = $3 then $4 else $5 end
                        where action_id = $1 and attempt = $2""")
                .execute(Tuple.of(action.id(), action.attempts(), mined, minedOutcome, others))
                .replaceWithVoid();
    }
}
