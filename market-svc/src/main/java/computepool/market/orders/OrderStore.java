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
import java.math.BigDecimal;
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
import java.util.function.Function;

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
                   placed_at, state, cancelled_sequence, cancelled_hour, spot, resale_of
            from market_order""";
    /** A reservation's columns, as {@link #announce} needs its UPDATE to return them. */
    static final String RESERVATION_FIELDS = """
            id, buy_order_id, buyer_id, gpu_model, gpu_count, start_hour, end_hour, held_until_hour,
            cost_nano_usd, spot, ended_early, refund_nano_usd, created_at""";
    private static final String RESERVATION_COLUMNS = "select " + RESERVATION_FIELDS + " from reservation";

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
                        select greatest(
                            (select coalesce(max(greatest(sequence, coalesce(cancelled_sequence, 0))), 0)
                             from market_order),
                            (select coalesce(max(cancelled_sequence), 0) from reservation)) as last""")
                .execute().await().atMost(TIMEOUT).iterator().next().getLong("last");
    }

    /** Reservations their buyers gave up, for replay: the buy, and the point of the log and hour it was done. */
    public List<BookChange.Cancellation> reservationCancellations() {
        List<BookChange.Cancellation> cancellations = new ArrayList<>();
        database.preparedQuery("""
                        select buy_order_id, cancelled_sequence, cancelled_hour from reservation
                        where cancelled_sequence is not null order by cancelled_sequence""")
                .execute().await().atMost(TIMEOUT)
                .forEach(row -> cancellations.add(new BookChange.Cancellation(row.getUUID("buy_order_id"),
                        row.getLong("cancelled_sequence"), row.getLong("cancelled_hour"))));
        return cancellations;
    }

    public Optional<StoredReservation> reservation(UUID id) {
        var rows = database.preparedQuery(RESERVATION_COLUMNS + " where id = $1").execute(Tuple.of(id))
                .await().atMost(TIMEOUT);
        return rows.iterator().hasNext() ? Optional.of(reservation(rows.iterator().next())) : Optional.empty();
    }

    /** The buyer's reservations, latest start first. */
    public List<StoredReservation> reservationsOf(String buyerId, int limit) {
        List<StoredReservation> reservations = new ArrayList<>();
        database.preparedQuery(RESERVATION_COLUMNS + " where buyer_id = $1 order by start_hour desc, id limit $2")
                .execute(Tuple.of(buyerId, limit)).await().atMost(TIMEOUT)
                .forEach(row -> reservations.add(reservation(row)));
        return reservations;
    }

    /** The reservations of these filled buys, by buy id. */
    public Map<UUID, StoredReservation> reservationsByBuy(List<UUID> buyOrderIds) {
        Map<UUID, StoredReservation> reservations = new HashMap<>();
        if (buyOrderIds.isEmpty()) {
            return reservations;
        }
        database.preparedQuery(RESERVATION_COLUMNS + " where buy_order_id = any($1)")
                .execute(Tuple.of(buyOrderIds.toArray(UUID[]::new))).await().atMost(TIMEOUT)
                .forEach(row -> reservations.put(row.getUUID("buy_order_id"), reservation(row)));
        return reservations;
    }

    /** Sells still offering hours after {@code hour} on nodes not heard from since {@code since}: sell → node. */
    public Map<UUID, UUID> openSellsOfNodesSilentSince(Instant since, long hour) {
        Map<UUID, UUID> sells = new HashMap<>();
        database.preparedQuery("""
                        select o.id, o.node_id from market_order o join node n on n.id = o.node_id
                        where o.state = 'OPEN' and o.end_hour > $2
                          and (n.last_heartbeat_at is null or n.last_heartbeat_at < $1)""")
                .execute(Tuple.of(utc(since), hour)).await().atMost(TIMEOUT)
                .forEach(row -> sells.put(row.getUUID("id"), row.getUUID("node_id")));
        return sells;
    }

    /**
     * For each hour of {@code [fromHour, toHour)}, the spot GPUs of {@code model} held then and the average of their
     * clearing prices weighted by GPUs, rounded down; hours with none are left out.
     */
    public List<SpotIndexPoint> spotIndex(GpuModel model, long fromHour, long toHour) {
        List<SpotIndexPoint> points = new ArrayList<>();
        database.preparedQuery("""
                        select h.hour, sum(f.price_nano_usd::numeric * f.gpu_count) as notional,
                               sum(f.gpu_count)::bigint as gpus
                        from generate_series($2::bigint, $3::bigint - 1) as h(hour)
                        join order_fill f on f.start_hour <= h.hour and h.hour < f.end_hour
                        join reservation r on r.buy_order_id = f.buy_order_id
                        where r.spot and r.gpu_model = $1 and h.hour < r.held_until_hour
                        group by h.hour order by h.hour""")
                .execute(Tuple.of(model.name(), fromHour, toHour)).await().atMost(TIMEOUT)
                .forEach(row -> {
                    long gpus = row.getLong("gpus");
                    long average = row.getBigDecimal("notional").divideToIntegralValue(
                            BigDecimal.valueOf(gpus)).longValueExact();
                    points.add(new SpotIndexPoint(row.getLong("hour"), average, gpus));
                });
        return points;
    }

    /** Reservations that held GPU time before {@code nowSecond} not metered yet. */
    public List<ReservationMeter.Unmetered> unmeteredBefore(long nowSecond) {
        List<ReservationMeter.Unmetered> due = new ArrayList<>();
        database.preparedQuery("""
                        select id, buy_order_id, buyer_id, gpu_model, gpu_count, start_hour, held_until_hour, spot,
                               metered_until_second
                        from reservation
                        where metered_until_second < held_until_hour * 3600 and metered_until_second < $1
                        order by metered_until_second""")
                .execute(Tuple.of(nowSecond)).await().atMost(TIMEOUT)
                .forEach(row -> due.add(new ReservationMeter.Unmetered(row.getUUID("id"), row.getUUID("buy_order_id"),
                        row.getString("buyer_id"), row.getString("gpu_model"), row.getInteger("gpu_count"),
                        row.getLong("start_hour") * OrderBook.SECONDS_PER_HOUR,
                        row.getLong("held_until_hour") * OrderBook.SECONDS_PER_HOUR, row.getBoolean("spot"),
                        row.getLong("metered_until_second"))));
        return due;
    }

    /** The fills of these buys as shares of their reservations' cost, by buy id. */
    public Map<UUID, List<ReservationMeter.Share>> sharesOf(List<UUID> buyOrderIds) {
        Map<UUID, List<ReservationMeter.Share>> shares = new HashMap<>();
        database.preparedQuery("""
                        select f.buy_order_id, f.seller_id, s.resale_of is not null as resale, n.operator_id,
                               f.node_id, f.gpu_count, f.price_nano_usd
                        from order_fill f join node n on n.id = f.node_id join market_order s on s.id = f.sell_order_id
                        where f.buy_order_id = any($1) order by f.buy_order_id, f.price_nano_usd, f.sell_order_id""")
                .execute(Tuple.of(buyOrderIds.toArray(UUID[]::new))).await().atMost(TIMEOUT)
                .forEach(row -> shares.computeIfAbsent(row.getUUID("buy_order_id"), id -> new ArrayList<>())
                        .add(new ReservationMeter.Share(row.getString("seller_id"), row.getBoolean("resale"),
                                row.getString("operator_id"), row.getUUID("node_id"), row.getInteger("gpu_count"),
                                row.getLong("price_nano_usd"))));
        return shares;
    }

    /**
     * Moves a reservation's metering from {@code from} to {@code to} and appends its usage event, in one transaction.
     *
     * @return false when its metering was not at {@code from} any more: another run published that period
     */
    public boolean recordMetered(UUID reservationId, long from, long to, Outbox.Entry usage) {
        return database.withTransaction(connection -> connection.preparedQuery("""
                        update reservation set metered_until_second = $3
                        where id = $1 and metered_until_second = $2""")
                .execute(Tuple.of(reservationId, from, to))
                .chain(rows -> rows.rowCount() == 0 ? Uni.createFrom().item(false)
                        : outbox.appendAll(connection, List.of(usage)).replaceWith(true)))
                .await().atMost(TIMEOUT);
    }

    /**
     * Marks reservations announced and appends their events, in one transaction: {@code update} is an UPDATE of
     * {@code reservation} returning {@link #RESERVATION_FIELDS}, which only rows not yet announced match.
     *
     * @return how many were announced
     */
    public int announce(String update, Tuple parameters, Function<StoredReservation, Outbox.Entry> event) {
        return database.withTransaction(connection -> connection.preparedQuery(update).execute(parameters)
                .chain(rows -> {
                    List<Outbox.Entry> events = new ArrayList<>();
                    rows.forEach(row -> events.add(event.apply(reservation(row))));
                    return outbox.appendAll(connection, events).replaceWith(events.size());
                })).await().atMost(TIMEOUT);
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
                        select f.sell_order_id, n.operator_id, f.seller_id, f.node_id, f.gpu_count, f.start_hour,
                               f.end_hour, f.price_nano_usd, f.cost_nano_usd
                        from order_fill f join node n on n.id = f.node_id
                        where f.buy_order_id = $1 order by f.price_nano_usd, f.sell_order_id""")
                .execute(Tuple.of(buyOrderId)).await().atMost(TIMEOUT)
                .forEach(row -> fills.add(new StoredFill(row.getUUID("sell_order_id"), row.getString("operator_id"),
                        row.getString("seller_id"), row.getUUID("node_id"), row.getInteger("gpu_count"), row.getLong("start_hour"),
                        row.getLong("end_hour"), row.getLong("price_nano_usd"), row.getLong("cost_nano_usd"))));
        return fills;
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
                                expires_at_hour, immediate_or_cancel, placed_hour, placed_at, state, spot, resale_of)
                            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                                    $19, $20)""")
                    .execute(Tuple.from(new Object[] {order.id(), order.sequence(), order.side().name(),
                            order.ownerId(), change.idempotencyKey(), order.requestHash(), order.gpuModel().name(),
                            order.gpuCount(), order.startHour(), order.endHour(), order.priceNanoUsd(),
                            order.nodeId().orElse(null), order.latencySensitive(), order.expiresAtHour().orElse(null),
                            order.immediateOrCancel(), order.placedHour(), utc(order.placedAt()),
                            order.state().name(), order.spot(), order.resaleOf().orElse(null)}))
                    .replaceWithVoid());
        }
        for (Map.Entry<UUID, OrderState> moved : change.states().entrySet()) {
            done = done.chain(() -> connection.preparedQuery("update market_order set state = $2 where id = $1")
                    .execute(Tuple.of(moved.getKey(), moved.getValue().name())).replaceWithVoid());
        }
        for (BookChange.Cancellation cancelled : change.cancellations()) {
            done = done.chain(() -> connection.preparedQuery("""
                            update market_order set state = 'CANCELLED', cancelled_sequence = $2, cancelled_hour = $3
                            where id = $1""")
                    .execute(Tuple.of(cancelled.orderId(), cancelled.sequence(), cancelled.hour())).replaceWithVoid());
        }
        for (BookChange.Filled filled : change.filled()) {
            for (StoredFill fill : filled.fills()) {
                done = done.chain(() -> connection.preparedQuery("""
                                insert into order_fill (buy_order_id, sell_order_id, node_id, gpu_count, start_hour,
                                                        end_hour, price_nano_usd, cost_nano_usd, seller_id)
                                values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                        .execute(Tuple.from(new Object[] {filled.buyOrderId(), fill.sellOrderId(), fill.nodeId(),
                                fill.gpuCount(), fill.startHour(), fill.endHour(), fill.priceNanoUsd(),
                                fill.costNanoUsd(), fill.sellerId()}))
                        .replaceWithVoid());
            }
            done = done.chain(() -> connection.preparedQuery("""
                            insert into reservation (id, buy_order_id, buyer_id, gpu_model, gpu_count, start_hour,
                                                     end_hour, held_until_hour, cost_nano_usd, spot, created_at,
                                                     metered_until_second)
                            values ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11)""")
                    .execute(Tuple.from(new Object[] {filled.reservationId(), filled.buyOrderId(), filled.buyerId(),
                            filled.gpuModel().name(), filled.gpuCount(), filled.startHour(), filled.endHour(),
                            filled.costNanoUsd(), filled.spot(), utc(filled.at()),
                            Math.multiplyExact(filled.startHour(), OrderBook.SECONDS_PER_HOUR)}))
                    .replaceWithVoid());
        }
        for (BookChange.ReservationEnd end : change.ends()) {
            // Its end is announced with the change itself: a reservation given up or preempted says so at once.
            done = done.chain(() -> connection.preparedQuery("""
                            update reservation set held_until_hour = $2, ended_early = $3, refund_nano_usd = $4,
                                                   cancelled_sequence = $5, cancelled_hour = $6, end_announced = true
                            where buy_order_id = $1""")
                    .execute(Tuple.from(new Object[] {end.buyOrderId(), end.heldUntilHour(), end.reason().name(),
                            end.refundNanoUsd(), end.cancelled().map(BookChange.Cancellation::sequence).orElse(null),
                            end.cancelled().map(BookChange.Cancellation::hour).orElse(null)}))
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
                Optional.ofNullable(row.getLong("cancelled_hour")), row.getBoolean("spot"),
                Optional.ofNullable(row.getUUID("resale_of")));
    }

    private static StoredReservation reservation(Row row) {
        return new StoredReservation(row.getUUID("id"), row.getUUID("buy_order_id"), row.getString("buyer_id"),
                GpuModel.valueOf(row.getString("gpu_model")), row.getInteger("gpu_count"), row.getLong("start_hour"),
                row.getLong("end_hour"), row.getLong("held_until_hour"), row.getLong("cost_nano_usd"),
                row.getBoolean("spot"), Optional.ofNullable(row.getString("ended_early"))
                        .map(StoredReservation.EndedEarly::valueOf),
                row.getLong("refund_nano_usd"), row.getOffsetDateTime("created_at").toInstant());
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
