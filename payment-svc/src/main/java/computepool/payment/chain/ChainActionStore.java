package computepool.payment.chain;

import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.payment.v1.ChainDiscrepancy;
import com.google.protobuf.Timestamp;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The chain actions' rows. Callers are the processor's and the reconciler's own threads and REST handlers on worker
 * threads, so every method blocks until its transaction has committed.
 */
@ApplicationScoped
public class ChainActionStore {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String COLUMNS = """
            id, idempotency_key, kind, sender, contract, call_data, state, attempts, nonce, tx_hash, raw_tx,
            block_number, failure, proposed_at, submitted_at, broadcast_at, settled_at""";

    /** A signed transaction: its hash and its raw bytes as hex, both 0x-prefixed. */
    public record SignedTransaction(String hash, String raw) {
    }

    /** Signs the action's call for a given nonce. */
    @FunctionalInterface
    public interface Signer {
        SignedTransaction sign(long nonce) throws Exception;
    }

    private final Pool database;
    private final Outbox outbox;

    public ChainActionStore(Pool database, Outbox outbox) {
        this.database = database;
        this.outbox = outbox;
    }

    /**
     * Records a proposed action, or returns the one recorded before under the same idempotency key (whatever it
     * proposed: the caller compares).
     */
    public ChainAction propose(String idempotencyKey, String kind, String sender, String contract, String callData,
            Instant now) {
        return database.withTransaction(connection -> connection.preparedQuery("""
                        insert into chain_action (id, idempotency_key, kind, sender, contract, call_data, state, proposed_at)
                        values ($1, $2, $3, $4, $5, $6, 'PROPOSED', $7)
                        on conflict (idempotency_key) do nothing""")
                .execute(Tuple.from(new Object[] {UUID.randomUUID(), idempotencyKey, kind, sender, contract, callData,
                        utc(now)}))
                .chain(() -> connection.preparedQuery("select " + COLUMNS + " from chain_action where idempotency_key = $1")
                        .execute(Tuple.of(idempotencyKey))))
                .map(rows -> action(rows.iterator().next()))
                .await().atMost(TIMEOUT);
    }

    public Optional<ChainAction> find(UUID id) {
        RowSet<Row> rows = database.preparedQuery("select " + COLUMNS + " from chain_action where id = $1")
                .execute(Tuple.of(id)).await().atMost(TIMEOUT);
        return rows.size() == 0 ? Optional.empty() : Optional.of(action(rows.iterator().next()));
    }

    public Optional<ChainAction> findByKey(String idempotencyKey) {
        RowSet<Row> rows = database.preparedQuery("select " + COLUMNS + " from chain_action where idempotency_key = $1")
                .execute(Tuple.of(idempotencyKey)).await().atMost(TIMEOUT);
        return rows.size() == 0 ? Optional.empty() : Optional.of(action(rows.iterator().next()));
    }

    /** PROPOSED and SUBMITTED actions, oldest first: the processor's work. */
    public List<ChainAction> open(int limit) {
        return actions(database.preparedQuery("select " + COLUMNS + """
                         from chain_action where state in ('PROPOSED', 'SUBMITTED')
                        order by proposed_at, id limit $1""")
                .execute(Tuple.of(limit)).await().atMost(TIMEOUT));
    }

    public List<ChainAction> inState(ChainAction.State state, Instant settledSince, int limit) {
        return actions(database.preparedQuery("select " + COLUMNS + """
                         from chain_action where state = $1 and coalesce(settled_at, proposed_at) >= $2
                        order by proposed_at, id limit $3""")
                .execute(Tuple.of(state.name(), utc(settledSince), limit)).await().atMost(TIMEOUT));
    }

    /**
     * Assigns the next nonce of the action's sender and records the transaction signed with it, in one commit: the
     * action becomes SUBMITTED before anything is broadcast. The nonce is the larger of the platform's next nonce
     * and {@code chainNonce} (the sender's transaction count on chain, pending ones included, read just before), so
     * a transaction sent from the key elsewhere does not block the queue. Answers empty when the action is no longer
     * PROPOSED (another replica signed it).
     */
    public Optional<ChainAction> sign(ChainAction action, long chainNonce, Signer signer, Instant now) throws Exception {
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
                            insert into chain_transaction (tx_hash, action_id, attempt, nonce, signed_at)
                            select $2, id, attempts + 1, $3, $4 from chain_action where id = $1""")
                    .execute(Tuple.of(action.id(), signed.hash(), nonce, utc(now))).await().atMost(TIMEOUT);
            ChainAction submitted = action(connection.preparedQuery("update chain_action set state = 'SUBMITTED', "
                            + "attempts = attempts + 1, nonce = $2, tx_hash = $3, raw_tx = $4, failure = null, "
                            + "submitted_at = $5, broadcast_at = null where id = $1 returning " + COLUMNS)
                    .execute(Tuple.of(action.id(), nonce, signed.hash(), signed.raw(), utc(now)))
                    .await().atMost(TIMEOUT).iterator().next());
            transaction.commit().await().atMost(TIMEOUT);
            return Optional.of(submitted);
        } finally {
            connection.close().await().atMost(TIMEOUT);
        }
    }

    public void broadcast(ChainAction action, Instant now) {
        database.preparedQuery("update chain_action set broadcast_at = $3 where id = $1 and tx_hash = $2")
                .execute(Tuple.of(action.id(), action.txHash().orElseThrow(), utc(now))).await().atMost(TIMEOUT);
    }

    public void recordFailure(ChainAction action, String failure) {
        database.preparedQuery("update chain_action set failure = $2 where id = $1")
                .execute(Tuple.of(action.id(), failure)).await().atMost(TIMEOUT);
    }

    /**
     * The current attempt was mined successfully: the action is CONFIRMED, and {@code announced} goes through the
     * outbox in the same commit (only if this call confirmed it: a second confirmation announces nothing).
     */
    public void confirm(ChainAction action, long blockNumber, List<Outbox.Entry> announced, Instant now) {
        String hash = action.txHash().orElseThrow();
        database.withTransaction(connection -> connection.preparedQuery("""
                        update chain_action set state = 'CONFIRMED', block_number = $3, settled_at = $4, raw_tx = null
                        where id = $1 and tx_hash = $2 and state = 'SUBMITTED'""")
                .execute(Tuple.of(action.id(), hash, blockNumber, utc(now)))
                .chain(confirmed -> connection.preparedQuery(
                                "update chain_transaction set outcome = 'SUCCEEDED' where tx_hash = $1")
                        .execute(Tuple.of(hash))
                        .chain(() -> confirmed.rowCount() == 0 || announced.isEmpty() ? Uni.createFrom().voidItem()
                                : outbox.appendAll(connection, announced).replaceWithVoid())))
                .await().atMost(TIMEOUT);
    }

    /**
     * The current attempt ended without the effect: it reverted, or another transaction took its nonce. The action
     * goes back to PROPOSED for another attempt or, when {@code failed} is given, ends FAILED and the discrepancy is
     * announced in the same commit.
     */
    public void attemptEnded(ChainAction action, String outcome, String failure, Optional<ChainDiscrepancy> failed,
            Instant now) {
        String hash = action.txHash().orElseThrow();
        database.withTransaction(connection -> connection.preparedQuery(failed.isEmpty()
                                ? """
                                update chain_action set state = 'PROPOSED', nonce = null, tx_hash = null, raw_tx = null,
                                       failure = $3, submitted_at = null, broadcast_at = null
                                where id = $1 and tx_hash = $2 and state = 'SUBMITTED'"""
                                : """
                                update chain_action set state = 'FAILED', raw_tx = null, failure = $3, settled_at = $4
                                where id = $1 and tx_hash = $2 and state = 'SUBMITTED'""")
                        .execute(failed.isEmpty() ? Tuple.of(action.id(), hash, failure)
                                : Tuple.of(action.id(), hash, failure, utc(now)))
                        .chain(() -> connection.preparedQuery("update chain_transaction set outcome = $2 where tx_hash = $1")
                                .execute(Tuple.of(hash, outcome)))
                        .chain(() -> announceIn(connection, failed, action.id().toString(), now)))
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
                        .chain(() -> announceIn(connection, failed, action.id().toString(), now)))
                .await().atMost(TIMEOUT);
    }

    /** Transactions signed for an action, with their outcomes (null while unknown). */
    public List<Row> transactions(UUID actionId) {
        List<Row> rows = new ArrayList<>();
        database.preparedQuery("select tx_hash, attempt, nonce, outcome from chain_transaction where action_id = $1 order by attempt")
                .execute(Tuple.of(actionId)).await().atMost(TIMEOUT).forEach(rows::add);
        return rows;
    }

    /** The highest nonce signed for a sender, if any. */
    public Optional<Long> highestNonce(String sender) {
        Row row = database.preparedQuery("""
                        select max(t.nonce) as nonce from chain_transaction t join chain_action a on a.id = t.action_id
                        where a.sender = $1""")
                .execute(Tuple.of(sender)).await().atMost(TIMEOUT).iterator().next();
        return Optional.ofNullable(row.getLong("nonce"));
    }

    /**
     * Announces a discrepancy once per subject and kind: the event goes through the outbox in the transaction that
     * records it.
     */
    public void announce(ChainDiscrepancy discrepancy, String subject, Instant now) {
        database.withTransaction(connection -> announceIn(connection, Optional.of(discrepancy), subject, now))
                .await().atMost(TIMEOUT);
    }

    private Uni<Void> announceIn(SqlConnection connection, Optional<ChainDiscrepancy> discrepancy, String subject,
            Instant now) {
        if (discrepancy.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        ChainDiscrepancy stamped = discrepancy.get().toBuilder().setDetectedAt(Timestamp.newBuilder()
                .setSeconds(now.getEpochSecond()).setNanos(now.getNano())).build();
        return connection.preparedQuery("""
                        insert into chain_discrepancy (subject, kind, detected_at) values ($1, $2, $3)
                        on conflict do nothing returning subject""")
                .execute(Tuple.of(subject, stamped.getKind().name(), utc(now)))
                .chain(rows -> rows.size() == 0
                        ? Uni.createFrom().voidItem()
                        : outbox.appendAll(connection, List.of(new Outbox.Entry(Topics.PAYMENT, subject, stamped)))
                                .replaceWithVoid());
    }

    private static List<ChainAction> actions(RowSet<Row> rows) {
        List<ChainAction> actions = new ArrayList<>(rows.size());
        rows.forEach(row -> actions.add(action(row)));
        return actions;
    }

    private static ChainAction action(Row row) {
        return new ChainAction(row.getUUID("id"), row.getString("idempotency_key"), row.getString("kind"),
                row.getString("sender"), row.getString("contract"), row.getString("call_data"),
                ChainAction.State.valueOf(row.getString("state")), row.getInteger("attempts"),
                Optional.ofNullable(row.getLong("nonce")), Optional.ofNullable(row.getString("tx_hash")),
                Optional.ofNullable(row.getString("raw_tx")), Optional.ofNullable(row.getLong("block_number")),
                Optional.ofNullable(row.getString("failure")), instant(row, "proposed_at"),
                Optional.ofNullable(instantOrNull(row, "submitted_at")),
                Optional.ofNullable(instantOrNull(row, "broadcast_at")),
                Optional.ofNullable(instantOrNull(row, "settled_at")));
    }

    private static Instant instant(Row row, String column) {
        return row.getOffsetDateTime(column).toInstant();
    }

    private static Instant instantOrNull(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
