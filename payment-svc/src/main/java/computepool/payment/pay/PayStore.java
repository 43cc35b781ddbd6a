package computepool.payment.pay;

import computepool.payment.webhooks.WebhookDeliveries;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Rows of operators' pay; called from the pay thread and REST worker threads, so every method blocks. */
@ApplicationScoped
public class PayStore {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    public record Coalition(String modelId, Optional<String> flowPool, Optional<String> trueUpPool, BigInteger flowRate,
            long flowTick, Optional<Long> pendingTick, Optional<BigInteger> pendingRate, long settledEpoch) {
    }

    public record Epoch(String modelId, long epoch, String state, Instant endsAt) {
    }

    /** An operator's earnings on a model up to an instant, and where it is paid (empty: no address yet). */
    public record Earned(String operatorId, long nanoUsd, Optional<String> address) {
    }

    public record Payout(String operatorId, String address, long earnedNanoUsd, BigInteger targetUnits,
            long carriedNanoUsd, BigInteger receivedBeforeUnits, BigInteger trueUpUnits) {
    }

    private final Pool database;

    public PayStore(Pool database) {
        this.database = database;
    }

    public void setPayee(String operatorId, String address, Instant now) {
        database.preparedQuery("""
                        insert into operator_payee (operator_id, address, updated_at) values ($1, $2, $3)
                        on conflict (operator_id) do update set address = excluded.address, updated_at = excluded.updated_at""")
                .execute(Tuple.of(operatorId, address, utc(now))).await().atMost(TIMEOUT);
    }

    public Optional<String> payee(String operatorId) {
        var rows = database.preparedQuery("select address from operator_payee where operator_id = $1")
                .execute(Tuple.of(operatorId)).await().atMost(TIMEOUT);
        return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("address"));
    }

    private static final String COALITION_COLUMNS = """
            select model_id, flow_pool, true_up_pool, flow_rate, flow_tick, pending_tick, pending_rate, settled_epoch
            from coalition""";

    public List<Coalition> coalitions() {
        List<Coalition> coalitions = new ArrayList<>();
        database.query(COALITION_COLUMNS + " order by model_id").execute().await().atMost(TIMEOUT)
                .forEach(row -> coalitions.add(coalition(row)));
        return coalitions;
    }

    public Coalition coalition(String modelId) {
        return coalition(database.preparedQuery(COALITION_COLUMNS + " where model_id = $1").execute(Tuple.of(modelId))
                .await().atMost(TIMEOUT).iterator().next());
    }

    private static Coalition coalition(Row row) {
        return new Coalition(row.getString("model_id"),
                Optional.ofNullable(row.getString("flow_pool")), Optional.ofNullable(row.getString("true_up_pool")),
                row.getBigDecimal("flow_rate").toBigIntegerExact(), row.getLong("flow_tick"),
                Optional.ofNullable(row.getLong("pending_tick")),
                Optional.ofNullable(row.getBigDecimal("pending_rate")).map(BigDecimal::toBigIntegerExact),
                row.getLong("settled_epoch"));
    }

    public void setPool(String modelId, boolean flow, String address) {
        database.preparedQuery("update coalition set " + (flow ? "flow_pool" : "true_up_pool") + " = $2 where model_id = $1")
                .execute(Tuple.of(modelId, address)).await().atMost(TIMEOUT);
    }

    public void flowStopped(String modelId) {
        database.preparedQuery("update coalition set flow_rate = 0 where model_id = $1")
                .execute(Tuple.of(modelId)).await().atMost(TIMEOUT);
    }

    /** Records a flow update before its actions are proposed, so a restart proposes the same one. */
    public void startFlowUpdate(String modelId, long tick, BigInteger rate) {
        database.preparedQuery("update coalition set pending_tick = $2, pending_rate = $3 where model_id = $1")
                .execute(Tuple.of(modelId, tick, new BigDecimal(rate))).await().atMost(TIMEOUT);
    }

    /** The flow update under way is on chain: its rate is the flow's now. */
    public void finishFlowUpdate(String modelId) {
        database.preparedQuery("""
                        update coalition set flow_rate = pending_rate, flow_tick = pending_tick, pending_tick = null,
                               pending_rate = null
                        where model_id = $1 and pending_tick is not null""")
                .execute(Tuple.of(modelId)).await().atMost(TIMEOUT);
    }

    /** Earned on the model in the window before {@code until}, all operators together. */
    public long earnedInWindow(String modelId, Instant from, Instant until) {
        Long sum = database.preparedQuery("""
                        select sum(amount_nano_usd)::bigint as nano from operator_earning
                        where model_id = $1 and received_at >= $2 and received_at < $3 and forfeited_by is null""")
                .execute(Tuple.of(modelId, utc(from), utc(until))).await().atMost(TIMEOUT).iterator().next().getLong("nano");
        return sum == null ? 0 : sum;
    }

    /** Whether anything was earned on the model in [from, to) by this service's clock. */
    public boolean earnedBetween(String modelId, Instant from, Instant to) {
        return database.preparedQuery("""
                        select exists (select 1 from operator_earning where model_id = $1 and received_at >= $2
                                       and received_at < $3 and forfeited_by is null) as earned""")
                .execute(Tuple.of(modelId, utc(from), utc(to))).await().atMost(TIMEOUT).iterator().next()
                .getBoolean("earned");
    }

    /** Whether any operator who earned on the model has a payout address. */
    public boolean anyPayee(String modelId) {
        return database.preparedQuery("""
                        select exists (select 1 from operator_earning e join operator_payee p using (operator_id)
                                       where e.model_id = $1) as payable""")
                .execute(Tuple.of(modelId)).await().atMost(TIMEOUT).iterator().next().getBoolean("payable");
    }

    /** Every operator's earnings on the model received before {@code until}, all epochs together, less forfeits. */
    public List<Earned> earnedBefore(String modelId, Instant until) {
        List<Earned> earned = new ArrayList<>();
        database.preparedQuery("""
                        select e.operator_id, sum(e.amount_nano_usd)::bigint as nano, p.address
                        from operator_earning e left join operator_payee p on p.operator_id = e.operator_id
                        where e.model_id = $1 and e.received_at < $2 and e.forfeited_by is null
                        group by e.operator_id, p.address order by e.operator_id""")
                .execute(Tuple.of(modelId, utc(until))).await().atMost(TIMEOUT)
                .forEach(row -> earned.add(new Earned(row.getString("operator_id"), row.getLong("nano"),
                        Optional.ofNullable(row.getString("address")))));
        return earned;
    }

    public Optional<Epoch> epoch(String modelId, long epoch) {
        var rows = database.preparedQuery("select state, ends_at from pay_epoch where model_id = $1 and epoch = $2")
                .execute(Tuple.of(modelId, epoch)).await().atMost(TIMEOUT);
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new Epoch(modelId, epoch, row.getString("state"), row.getOffsetDateTime("ends_at").toInstant()));
    }

    public void openEpoch(String modelId, long epoch, Instant endsAt, Instant now) {
        database.preparedQuery("""
                        insert into pay_epoch (model_id, epoch, state, ends_at, updated_at) values ($1, $2, 'STOPPING', $3, $4)
                        on conflict do nothing""")
                .execute(Tuple.of(modelId, epoch, utc(endsAt), utc(now))).await().atMost(TIMEOUT);
    }

    public void moveEpoch(String modelId, long epoch, String from, String to, Instant now) {
        database.preparedQuery("update pay_epoch set state = $4, updated_at = $5 where model_id = $1 and epoch = $2 and state = $3")
                .execute(Tuple.of(modelId, epoch, from, to, utc(now))).await().atMost(TIMEOUT);
    }

    /** Records the epoch's payouts and moves it to DISTRIBUTING, in one commit. */
    public void plan(String modelId, long epoch, List<Payout> payouts, Instant now) {
        database.withTransaction(connection -> {
            var insert = connection.preparedQuery("""
                    insert into operator_payout (model_id, epoch, operator_id, address, earned_nano_usd, target_units,
                                                 carried_nano_usd, received_before_units, true_up_units)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""");
            List<Tuple> rows = payouts.stream().map(p -> Tuple.from(new Object[] {modelId, epoch, p.operatorId(),
                    p.address(), p.earnedNanoUsd(), new BigDecimal(p.targetUnits()), p.carriedNanoUsd(),
                    new BigDecimal(p.receivedBeforeUnits()), new BigDecimal(p.trueUpUnits())})).toList();
            var written = rows.isEmpty() ? io.smallrye.mutiny.Uni.createFrom().voidItem()
                    : insert.executeBatch(rows).replaceWithVoid();
            return written.chain(() -> move(connection, modelId, epoch, "STOPPING", "DISTRIBUTING", now));
        }).await().atMost(TIMEOUT);
    }

    private static io.smallrye.mutiny.Uni<Void> move(SqlConnection connection, String modelId, long epoch, String from,
            String to, Instant now) {
        return connection.preparedQuery("""
                        update pay_epoch set state = $4, updated_at = $5 where model_id = $1 and epoch = $2 and state = $3""")
                .execute(Tuple.of(modelId, epoch, from, to, utc(now))).replaceWithVoid();
    }

    public List<Payout> payouts(String modelId, long epoch) {
        List<Payout> payouts = new ArrayList<>();
        database.preparedQuery("""
                        select operator_id, address, earned_nano_usd, target_units, carried_nano_usd, received_before_units,
                               true_up_units
                        from operator_payout where model_id = $1 and epoch = $2 order by operator_id""")
                .execute(Tuple.of(modelId, epoch)).await().atMost(TIMEOUT)
                .forEach(row -> payouts.add(payout(row)));
        return payouts;
    }

    /** The operator's payout of the last settled epoch before {@code epoch}, if any. */
    public Optional<Payout> previousPayout(String modelId, long epoch, String operatorId) {
        var rows = database.preparedQuery("""
                        select p.operator_id, p.address, p.earned_nano_usd, p.target_units, p.carried_nano_usd,
                               p.received_before_units, p.true_up_units
                        from operator_payout p join pay_epoch e on e.model_id = p.model_id and e.epoch = p.epoch
                        where p.model_id = $1 and p.epoch < $2 and p.operator_id = $3 and e.state = 'SETTLED'
                        order by p.epoch desc limit 1""")
                .execute(Tuple.of(modelId, epoch, operatorId)).await().atMost(TIMEOUT);
        if (rows.size() == 0) {
            return Optional.empty();
        }
        return Optional.of(payout(rows.iterator().next()));
    }

    private static Payout payout(Row row) {
        return new Payout(row.getString("operator_id"), row.getString("address"), row.getLong("earned_nano_usd"),
                row.getBigDecimal("target_units").toBigIntegerExact(), row.getLong("carried_nano_usd"),
                row.getBigDecimal("received_before_units").toBigIntegerExact(),
                row.getBigDecimal("true_up_units").toBigIntegerExact());
    }

    /**
     * Marks the epoch settled and the coalition's settled epoch, with the events and their webhook deliveries, in one
     * commit.
     */
    public void settle(String modelId, long epoch, List<computepool.events.Outbox.Entry> events,
            List<WebhookDeliveries.Event> notices, computepool.events.Outbox outbox, WebhookDeliveries deliveries,
            Instant now) {
        database.withTransaction(connection -> move(connection, modelId, epoch, "CLAIMING", "SETTLED", now)
                .chain(() -> connection.preparedQuery("update coalition set settled_epoch = $2 where model_id = $1")
                        .execute(Tuple.of(modelId, epoch)))
                .chain(() -> outbox.appendAll(connection, events))
                .chain(() -> deliveries.enqueue(connection, notices, now))).await().atMost(TIMEOUT);
    }

    /** An epoch with nothing to settle: only the coalition's settled epoch moves. */
    public void skip(String modelId, long epoch) {
        database.preparedQuery("update coalition set settled_epoch = $2 where model_id = $1 and settled_epoch < $2")
                .execute(Tuple.of(modelId, epoch)).await().atMost(TIMEOUT);
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
