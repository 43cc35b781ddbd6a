package computepool.market.orders;

import computepool.events.Outbox;
import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import computepool.market.domain.NodeStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The order book's rows: the order log, fills and reservations. Called by {@link OrderBook} on worker threads while
 * it holds the book, so every method blocks; each write is one transaction.
 */
@ApplicationScoped
public class OrderStore {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String ORDER_COLUMNS = """
            select id, sequence, side, owner_id, request_hash, gpu_model, gpu_count, start_hour, end_hour,
                   price_nano_usd, node_id, latency_sensitive, expires_at_hour, immediate_or_cancel, placed_hour,
                   placed_at, state, cancelled_sequence, cancelled_hour
            from market_order""";

    private final Pool database;
    private final Outbox outbox;

    public OrderStore(Pool database, Outbox outbox) {
        this.database = database;
        this.outbox = outbox;
    }

    public Optional<StoredOrder> byIdempotencyKey(String ownerId, String key) {
        return one(ORDER_COLUMNS + " where owner_id = $1 and idempotency_key = $2", Tuple.of(ownerId, key));
    }

    public Optional<StoredOrder> byId(UUID id) {
        return one(ORDER_COLUMNS + " where id = $1", Tuple.of(id));
    }

    /** The owners of these orders, by order id. */
    public Map<UUID, String> owners(List<UUID> ids) {
        Map<UUID, String> owners = new HashMap<>();
        database.preparedQuery("select id, owner_id from market_order where id = any($1)")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).await().atMost(TIMEOUT)
                .forEach(row -> owners.put(row.getUUID("id"), row.getString("owner_id")));
        return owners;
    }

    /** Every order, in the sequence the book took them: the log to replay. */
    public List<StoredOrder> all() {
        List<StoredOrder> orders = new ArrayList<>();
        database.preparedQuery(ORDER_COLUMNS + " order by sequence").execute().await().atMost(TIMEOUT)
                .forEach(row -> orders.add(order(row)));
        return orders;
    }

    /** The highest sequence the book has used, for orders and cancellations alike; 0 for an empty book. */
    public long lastSequence() {
        return database.preparedQuery("""
                        select greatest(coalesce(max(sequence), 0), coalesce(max(cancelled_sequence), 0)) as last
                        from market_order""")
                .execute().await().atMost(TIMEOUT).iterator().next().getLong("last");
    }

    /** Nodes with their GPUs and heartbeat, by id. */
    public Map<UUID, NodeStatus> nodes(List<UUID> ids) {
        Map<UUID, NodeStatus> nodes = new HashMap<>();
        if (ids.isEmpty()) {
            return nodes;
        }
        Map<UUID, List<GpuGroup>> gpus = new HashMap<>();
        database.preparedQuery("""
                        select node_id, model, memory_gib, gpu_count, power_limit_watts from node_gpu
                        where node_id = any($1) order by node_id, position""")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).await().atMost(TIMEOUT)
                .forEach(row -> gpus.computeIfAbsent(row.getUUID("node_id"), id -> new ArrayList<>())
                        .add(new GpuGroup(GpuModel.valueOf(row.getString("model")), row.getInteger("memory_gib"),
                                row.getInteger("gpu_count"), row.getInteger("power_limit_watts"))));
        database.preparedQuery("""
                        select id, operator_id, name, zone, interconnect, power_budget_watts, registered_at,
                               last_heartbeat_at
                        from node where id = any($1)""")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).await().atMost(TIMEOUT)
                .forEach(row -> {
                    UUID id = row.getUUID("id");
                    Node node = new Node(id, row.getString("operator_id"), row.getString("name"),
                            row.getString("zone"), Interconnect.named(row.getString("interconnect")).orElseThrow(),
                            row.getInteger("power_budget_watts"), gpus.getOrDefault(id, List.of()),
                            row.getOffsetDateTime("registered_at").toInstant());
                    nodes.put(id, new NodeStatus(node, Optional.ofNullable(row.getOffsetDateTime("last_heartbeat_at"))
                            .map(OffsetDateTime::toInstant)));
                });
        return nodes;
    }

    /** The fills of the buy, cheapest first as the engine made them. */
    public List<StoredFill> fillsOf(UUID buyOrderId) {
        List<StoredFill> fills = new ArrayList<>();
        database.preparedQuery("""
                        select f.sell_order_id, n.operator_id, f.node_id, f.gpu_count, f.start_hour, f.end_hour,
                               f.price_nano_usd, f.cost_nano_usd
                        from order_fill f join node n on n.id = f.node_id
                        where f.buy_order_id = $1 order by f.price_nano_usd, f.sell_order_id""")
                .execute(Tuple.of(buyOrderId)).await().atMost(TIMEOUT)
                .forEach(row -> fills.add(new StoredFill(row.getUUID("sell_order_id"), row.getString("operator_id"),
                        row.getUUID("node_id"), row.getInteger("gpu_count"), row.getLong("start_hour"),
                        row.getLong("end_hour"), row.getLong("price_nano_usd"), row.getLong("cost_nano_usd"))));
        return fills;
    }

    public Optional<UUID> reservationOf(UUID buyOrderId) {
        var rows = database.preparedQuery("select id from reservation where buy_order_id = $1")
                .execute(Tuple.of(buyOrderId)).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(rows.iterator().next().getUUID("id")) : Optional.empty();
    }

    /** Writes what the book did with one request, with its events, in one transaction. */
    public void record(BookChange change) {
        database.withTransaction(connection -> write(connection, change)).await().atMost(TIMEOUT);
    }

    private Uni<Void> write(SqlConnection connection, BookChange change) {
        Uni<Void> done = Uni.createFrom().voidItem();
        for (StoredOrder order : change.placed()) {
            done = done.chain(() -> connection.preparedQuery("""
                            insert into market_order (id, sequence, side, owner_id, idempotency_key, request_hash,
                                gpu_model, gpu_count, start_hour, end_hour, price_nano_usd, node_id, latency_sensitive,
                                expires_at_hour, immediate_or_cancel, placed_hour, placed_at, state)
                            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)""")
                    .execute(Tuple.from(new Object[] {order.id(), order.sequence(), order.side().name(),
                            order.ownerId(), change.idempotencyKey(), order.requestHash(), order.gpuModel().name(),
                            order.gpuCount(), order.startHour(), order.endHour(), order.priceNanoUsd(),
                            order.nodeId().orElse(null), order.latencySensitive(), order.expiresAtHour().orElse(null),
                            order.immediateOrCancel(), order.placedHour(), utc(order.placedAt()),
                            order.state().name()}))
                    .replaceWithVoid());
        }
        for (Map.Entry<UUID, OrderState> moved : change.states().entrySet()) {
            done = done.chain(() -> connection.preparedQuery("update market_order set state = $2 where id = $1")
                    .execute(Tuple.of(moved.getKey(), moved.getValue().name())).replaceWithVoid());
        }
        if (change.cancellation().isPresent()) {
            BookChange.Cancellation cancelled = change.cancellation().get();
            done = done.chain(() -> connection.preparedQuery("""
                            update market_order set state = 'CANCELLED', cancelled_sequence = $2, cancelled_hour = $3
                            where id = $1""")
                    .execute(Tuple.of(cancelled.orderId(), cancelled.sequence(), cancelled.hour())).replaceWithVoid());
        }
        for (BookChange.Filled filled : change.filled()) {
            for (StoredFill fill : filled.fills()) {
                done = done.chain(() -> connection.preparedQuery("""
                                insert into order_fill (buy_order_id, sell_order_id, node_id, gpu_count, start_hour,
                                                        end_hour, price_nano_usd, cost_nano_usd)
                                values ($1, $2, $3, $4, $5, $6, $7, $8)""")
                        .execute(Tuple.from(new Object[] {filled.buyOrderId(), fill.sellOrderId(), fill.nodeId(),
                                fill.gpuCount(), fill.startHour(), fill.endHour(), fill.priceNanoUsd(),
                                fill.costNanoUsd()}))
                        .replaceWithVoid());
            }
            done = done.chain(() -> connection.preparedQuery("""
                            insert into reservation (id, buy_order_id, buyer_id, gpu_model, gpu_count, start_hour,
                                                     end_hour, cost_nano_usd, created_at)
                            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                    .execute(Tuple.from(new Object[] {filled.reservationId(), filled.buyOrderId(), filled.buyerId(),
                            filled.gpuModel().name(), filled.gpuCount(), filled.startHour(), filled.endHour(),
                            filled.costNanoUsd(), utc(filled.at())}))
                    .replaceWithVoid());
        }
        return done.chain(() -> outbox.appendAll(connection, change.events())).replaceWithVoid();
    }

    private Optional<StoredOrder> one(String sql, Tuple parameters) {
        var rows = database.preparedQuery(sql).execute(parameters).await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(order(rows.iterator().next())) : Optional.empty();
    }

    private static StoredOrder order(Row row) {
        return new StoredOrder(row.getUUID("id"), row.getLong("sequence"), Side.valueOf(row.getString("side")),
                row.getString("owner_id"), row.getString("request_hash"), GpuModel.valueOf(row.getString("gpu_model")),
                row.getInteger("gpu_count"), row.getLong("start_hour"), row.getLong("end_hour"),
                row.getLong("price_nano_usd"), Optional.ofNullable(row.getUUID("node_id")),
                row.getBoolean("latency_sensitive"), Optional.ofNullable(row.getLong("expires_at_hour")),
                row.getBoolean("immediate_or_cancel"), row.getLong("placed_hour"),
                row.getOffsetDateTime("placed_at").toInstant(), OrderState.valueOf(row.getString("state")),
                Optional.ofNullable(row.getLong("cancelled_sequence")),
                Optional.ofNullable(row.getLong("cancelled_hour")));
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
