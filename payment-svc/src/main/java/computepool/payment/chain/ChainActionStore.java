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
 * The chain actions' rows as proposed and read, and the discrepancies announced; {@link ChainAttempts} writes what
 * happens to an action's transactions. Callers are the processor's and the reconciler's own threads and REST handlers on worker
 * threads, so every method blocks until its transaction has committed.
 */
@ApplicationScoped
public class ChainActionStore {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String COLUMNS = """
            id, idempotency_key, kind, sender, contract, call_data, state, attempts, nonce, tx_hash, raw_tx,
            block_number, failure, proposed_at, submitted_at, broadcast_at, settled_at, signed_at, replacements,
            max_fee_per_gas, max_priority_fee_per_gas, gas_limit, cancelling, signed_block, refusal_kind, refused_at,
            displaced_by, displaced_block, displacement_reads""";

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

    /** Transactions signed for an action, with their outcomes (null while unknown), in the order they were signed. */
    public List<Row> transactions(UUID actionId) {
        List<Row> rows = new ArrayList<>();
        database.preparedQuery("""
                        select tx_hash, attempt, replacement, nonce, purpose, outcome, max_fee_per_gas,
                               max_priority_fee_per_gas, refusal
                        from chain_transaction where action_id = $1 order by attempt, replacement""")
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
        database.withTransaction(connection -> announceIn(outbox, connection, Optional.of(discrepancy), subject, now))
                .await().atMost(TIMEOUT);
    }

    static Uni<Void> announceIn(Outbox outbox, SqlConnection connection, Optional<ChainDiscrepancy> discrepancy, String subject,
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

    static List<ChainAction> actions(RowSet<Row> rows) {
        List<ChainAction> actions = new ArrayList<>(rows.size());
        rows.forEach(row -> actions.add(action(row)));
        return actions;
    }

    static ChainAction action(Row row) {
        ChainAction.State state = ChainAction.State.valueOf(row.getString("state"));
        Optional<Instant> submittedAt = Optional.ofNullable(instantOrNull(row, "submitted_at"));
        return new ChainAction(row.getUUID("id"), row.getString("idempotency_key"), row.getString("kind"),
                row.getString("sender"), row.getString("contract"), row.getString("call_data"), state,
                row.getInteger("attempts"), Optional.ofNullable(row.getLong("nonce")),
                Optional.ofNullable(row.getString("tx_hash")), Optional.ofNullable(row.getString("raw_tx")),
                Optional.ofNullable(row.getLong("block_number")), Optional.ofNullable(row.getString("failure")),
                instant(row, "proposed_at"), submittedAt, Optional.ofNullable(instantOrNull(row, "broadcast_at")),
                Optional.ofNullable(instantOrNull(row, "settled_at")),
                state == ChainAction.State.SUBMITTED ? Optional.of(signing(row, submittedAt.orElseThrow()))
                        : Optional.empty());
    }

    /** An action SUBMITTED before replacements were recorded reads as signed when submitted, at no known fees. */
    private static ChainAction.Signing signing(Row row, Instant submittedAt) {
        Instant signedAt = instantOrNull(row, "signed_at");
        String displacedBy = row.getString("displaced_by");
        String refusal = row.getString("refusal_kind");
        return new ChainAction.Signing(signedAt == null ? submittedAt : signedAt,
                new ChainAction.Fees(orZero(row.getLong("max_fee_per_gas")),
                        orZero(row.getLong("max_priority_fee_per_gas")), orZero(row.getLong("gas_limit"))),
                row.getInteger("replacements"), row.getBoolean("cancelling"),
                row.getLong("signed_block") == null ? -1 : row.getLong("signed_block"),
                Optional.ofNullable(refusal).map(ChainAction.Refusal::valueOf),
                Optional.ofNullable(instantOrNull(row, "refused_at")),
                displacedBy == null ? Optional.empty() : Optional.of(new ChainAction.Displacement(displacedBy,
                        row.getLong("displaced_block"), row.getInteger("displacement_reads"))));
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private static Instant instant(Row row, String column) {
        return row.getOffsetDateTime(column).toInstant();
    }

    private static Instant instantOrNull(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
