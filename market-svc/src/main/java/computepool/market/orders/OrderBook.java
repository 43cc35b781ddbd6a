package computepool.market.orders;

import com.google.protobuf.Timestamp;
import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.market.config.RegistryConfig;
import computepool.market.domain.NodeStatus;
import computepool.market.matching.BuyOrder;
import computepool.market.matching.BuyOutcome;
import computepool.market.matching.Execution;
import computepool.market.matching.Fill;
import computepool.market.matching.MatchingEngine;
import computepool.market.matching.OrderRejected;
import computepool.market.matching.SellOrder;
import computepool.market.matching.TimeInForce;
import computepool.market.v1.FillLine;
import computepool.market.v1.OrderFilled;
import computepool.market.v1.OrderPlaced;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The market's order book: the {@link MatchingEngine} in memory, its log in PostgreSQL. One request at a time holds
 * the book: it advances the engine to the current hour, lets it decide, and writes the decision (the order, fills,
 * reservations, states, events) in one transaction before the next request is let in. Should that write fail, the
 * engine is rebuilt from the log, where the failed request left nothing. The engine is deterministic, so replaying
 * the log in sequence order, each order at the hour it was placed, rebuilds the book exactly; that is how a restart
 * gets it back. One replica owns the book.
 */
@ApplicationScoped
public class OrderBook {

    private static final Logger LOG = Logger.getLogger(OrderBook.class);
    static final long SECONDS_PER_HOUR = 3600;

    /** An order as answered to its owner, and whether this request placed it or repeated an earlier one. */
    public record Placed(OrderView order, boolean created) {
    }

    private final OrderStore store;
    private final RegistryConfig config;
    private final Clock clock;
    // Guarded by this.
    private MatchingEngine engine;
    private long lastSequence;

    public OrderBook(OrderStore store, RegistryConfig config, Clock clock) {
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    /** The hour under way, in whole hours since the Unix epoch. */
    public long currentHour() {
        return Math.floorDiv(clock.instant().getEpochSecond(), SECONDS_PER_HOUR);
    }

    public synchronized Placed sell(String operatorId, String idempotencyKey, OrderTerms.Sell terms) {
        Optional<Placed> repeated = repeated(operatorId, idempotencyKey, terms);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        NodeStatus node = store.nodes(List.of(terms.nodeId())).get(terms.nodeId());
        if (node == null || !node.node().operatorId().equals(operatorId)) {
            throw new OrderNotFound("no node " + terms.nodeId());
        }
        Instant now = clock.instant();
        if (!node.offeredAt(now, config.nodeSilenceLimit())) {
            throw new OrderRefused("nodeId", "node " + terms.nodeId() + " has sent no heartbeat within "
                    + config.nodeSilenceLimit().toSeconds() + " s: a silent node is not offered");
        }
        Map<UUID, OrderState> states = advance();
        long sequence = lastSequence + 1;
        UUID id = UUID.randomUUID();
        List<Execution> executions;
        try {
            executions = engine().place(new SellOrder(id, node.node(), terms.gpuModel(), terms.gpuCount(),
                    terms.startHour(), terms.endHour(), terms.minPriceNanoUsdPerGpuHour(), sequence));
        } catch (OrderRejected e) {
            recordExpiries(idempotencyKey, states);
            throw e;
        }
        StoredOrder order = new StoredOrder(id, sequence, Side.SELL, operatorId, terms.hash(), terms.gpuModel(),
                terms.gpuCount(), terms.startHour(), terms.endHour(), terms.minPriceNanoUsdPerGpuHour(),
                Optional.of(terms.nodeId()), false, Optional.empty(), false, engine.currentHour(), now, OrderState.OPEN,
                Optional.empty(), Optional.empty());
        List<Outbox.Entry> events = new ArrayList<>();
        events.add(new Outbox.Entry(Topics.MARKET, operatorId, placed(order)));
        List<BookChange.Filled> filled = new ArrayList<>();
        Map<UUID, String> buyers = executions.isEmpty() ? Map.of()
                : store.owners(executions.stream().map(execution -> execution.buy().id()).toList());
        Map<UUID, NodeStatus> nodes = nodesOf(executions);
        for (Execution execution : executions) {
            states.put(execution.buy().id(), OrderState.FILLED);
            BookChange.Filled fill = filled(execution, buyers.get(execution.buy().id()), nodes, now);
            filled.add(fill);
            events.add(new Outbox.Entry(Topics.MARKET, fill.buyerId(), filledEvent(fill)));
        }
        commit(new BookChange(idempotencyKey, List.of(order), states, Optional.empty(), filled, events), sequence);
        return new Placed(view(order, Optional.empty()), true);
    }

    public synchronized Placed buy(String developerId, String idempotencyKey, OrderTerms.Buy terms) {
        Optional<Placed> repeated = repeated(developerId, idempotencyKey, terms);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        Instant now = clock.instant();
        Map<UUID, OrderState> states = advance();
        long sequence = lastSequence + 1;
        UUID id = UUID.randomUUID();
        TimeInForce timeInForce = terms.expiresAtHour().<TimeInForce>map(TimeInForce.Standing::new)
                .orElseGet(TimeInForce.ImmediateOrCancel::new);
        BuyOutcome outcome;
        try {
            outcome = engine().place(new BuyOrder(id, terms.gpuModel(), terms.gpuCount(), terms.startHour(),
                    terms.hours(), terms.limitPriceNanoUsdPerGpuHour(), terms.latencySensitive(), timeInForce,
                    sequence));
        } catch (OrderRejected e) {
            recordExpiries(idempotencyKey, states);
            throw e;
        }
        OrderState state = switch (outcome) {
            case BuyOutcome.Filled ignored -> OrderState.FILLED;
            case BuyOutcome.Resting ignored -> OrderState.RESTING;
            case BuyOutcome.Cancelled ignored -> OrderState.CANCELLED;
        };
        StoredOrder order = new StoredOrder(id, sequence, Side.BUY, developerId, terms.hash(), terms.gpuModel(),
                terms.gpuCount(), terms.startHour(), terms.startHour() + terms.hours(),
                terms.limitPriceNanoUsdPerGpuHour(), Optional.empty(), terms.latencySensitive(), terms.expiresAtHour(),
                terms.expiresAtHour().isEmpty(), engine.currentHour(), now, state, Optional.empty(), Optional.empty());
        List<Outbox.Entry> events = new ArrayList<>();
        events.add(new Outbox.Entry(Topics.MARKET, developerId, placed(order)));
        List<BookChange.Filled> filled = new ArrayList<>();
        if (outcome instanceof BuyOutcome.Filled done) {
            BookChange.Filled fill = filled(done.execution(), developerId, nodesOf(List.of(done.execution())), now);
            filled.add(fill);
            events.add(new Outbox.Entry(Topics.MARKET, developerId, filledEvent(fill)));
        }
        commit(new BookChange(idempotencyKey, List.of(order), states, Optional.empty(), filled, events), sequence);
        return new Placed(view(order, filled.stream().findFirst()), true);
    }

    /**
     * Takes an order of the owner's out of the book: a sell's unsold hours, or a resting buy.
     *
     * @throws OrderNotFound when the owner has no such order
     * @throws OrderRefused  when it is no longer in the book (filled, cancelled, expired)
     */
    public synchronized OrderView cancel(String ownerId, UUID orderId) {
        StoredOrder order = store.byId(orderId).filter(found -> found.ownerId().equals(ownerId))
                .orElseThrow(() -> new OrderNotFound("no order " + orderId));
        Map<UUID, OrderState> states = advance();
        OrderState now = states.getOrDefault(orderId, order.state());
        if (now != OrderState.OPEN && now != OrderState.RESTING) {
            recordExpiries("", states);
            throw new OrderRefused("id", "order " + orderId + " is " + now + ", no longer in the book");
        }
        engine().cancel(orderId);
        long sequence = lastSequence + 1;
        states.remove(orderId);
        commit(new BookChange("", List.of(), states, Optional.of(new BookChange.Cancellation(orderId, sequence,
                engine.currentHour())), List.of(), List.of()), sequence);
        return view(store.byId(orderId).orElseThrow(), Optional.empty());
    }

    /** The owner's order as it stands, with its fills if it is a filled buy. */
    public synchronized OrderView get(String ownerId, UUID orderId) {
        advanceAndRecord();
        return store.byId(orderId).filter(found -> found.ownerId().equals(ownerId))
                .map(found -> view(found, Optional.empty()))
                .orElseThrow(() -> new OrderNotFound("no order " + orderId));
    }

    /** Rebuilds the engine from the log: after a restart, or after a write that failed. */
    public synchronized void rebuild() {
        List<StoredOrder> orders = store.all();
        Map<UUID, NodeStatus> nodes = store.nodes(orders.stream().flatMap(order -> order.nodeId().stream())
                .distinct().toList());
        record Step(long sequence, long hour, StoredOrder order, boolean cancel) {
        }
        List<Step> steps = new ArrayList<>();
        for (StoredOrder order : orders) {
            steps.add(new Step(order.sequence(), order.placedHour(), order, false));
            if (order.cancelledSequence().isPresent()) {
                steps.add(new Step(order.cancelledSequence().get(), order.cancelledHour().orElseThrow(), order, true));
            }
        }
        steps.sort(Comparator.comparingLong(Step::sequence));
        MatchingEngine rebuilt = new MatchingEngine(steps.isEmpty() ? currentHour() : steps.getFirst().hour());
        long last = 0;
        for (Step step : steps) {
            if (step.hour() > rebuilt.currentHour()) {
                rebuilt.advanceTo(step.hour());
            }
            StoredOrder order = step.order();
            if (step.cancel()) {
                rebuilt.cancel(order.id());
            } else if (order.side() == Side.SELL) {
                rebuilt.place(new SellOrder(order.id(), nodes.get(order.nodeId().orElseThrow()).node(),
                        order.gpuModel(), order.gpuCount(), order.startHour(), order.endHour(), order.priceNanoUsd(),
                        order.sequence()));
            } else {
                rebuilt.place(new BuyOrder(order.id(), order.gpuModel(), order.gpuCount(), order.startHour(),
                        Math.toIntExact(order.endHour() - order.startHour()), order.priceNanoUsd(),
                        order.latencySensitive(), order.expiresAtHour().<TimeInForce>map(TimeInForce.Standing::new)
                                .orElseGet(TimeInForce.ImmediateOrCancel::new), order.sequence()));
            }
            last = step.sequence();
        }
        engine = rebuilt;
        lastSequence = Math.max(last, store.lastSequence());
        LOG.infof("Order book rebuilt from %d orders (%d steps) at hour %d", orders.size(), steps.size(),
                rebuilt.currentHour());
    }

    private MatchingEngine engine() {
        if (engine == null) {
            rebuild();
        }
        return engine;
    }

    /** The engine moved to the current hour; the standing buys that expired meanwhile, to be recorded. */
    private Map<UUID, OrderState> advance() {
        Map<UUID, OrderState> states = new LinkedHashMap<>();
        long hour = currentHour();
        if (hour > engine().currentHour()) {
            for (BuyOrder expired : engine.advanceTo(hour)) {
                states.put(expired.id(), OrderState.EXPIRED);
            }
        }
        return states;
    }

    private void advanceAndRecord() {
        recordExpiries("", advance());
    }

    /** A request the book refused still moved the clock: the buys that expired are recorded on their own. */
    private void recordExpiries(String idempotencyKey, Map<UUID, OrderState> states) {
        if (!states.isEmpty()) {
            commit(new BookChange(idempotencyKey, List.of(), states, Optional.empty(), List.of(), List.of()),
                    lastSequence);
        }
    }

    private void commit(BookChange change, long sequence) {
        try {
            store.record(change);
        } catch (RuntimeException e) {
            LOG.errorf(e, "The book's change could not be written; rebuilding the book from its log");
            engine = null;
            throw new BookUnavailable(e);
        }
        lastSequence = sequence;
    }

    private Optional<Placed> repeated(String ownerId, String idempotencyKey, OrderTerms terms) {
        return store.byIdempotencyKey(ownerId, idempotencyKey).map(earlier -> {
            if (!earlier.requestHash().equals(terms.hash())) {
                throw new IdempotencyKeyReused(idempotencyKey);
            }
            return new Placed(view(earlier, Optional.empty()), false);
        });
    }

    /** The nodes the executions' GPUs are on, read at once. */
    private Map<UUID, NodeStatus> nodesOf(List<Execution> executions) {
        return executions.isEmpty() ? Map.of() : store.nodes(executions.stream()
                .flatMap(execution -> execution.fills().stream().map(Fill::nodeId)).distinct().toList());
    }

    private static BookChange.Filled filled(Execution execution, String buyerId, Map<UUID, NodeStatus> nodes,
            Instant now) {
        List<StoredFill> fills = execution.fills().stream().map(fill -> new StoredFill(fill.sellOrderId(),
                nodes.get(fill.nodeId()).node().operatorId(), fill.nodeId(), fill.gpuCount(), fill.span().start(),
                fill.span().end(), fill.priceNanoUsdPerGpuHour(), fill.costNanoUsd())).toList();
        BuyOrder buy = execution.buy();
        return new BookChange.Filled(buy.id(), buyerId, UUID.randomUUID(), buy.gpuModel(), buy.gpuCount(),
                buy.startHour(), buy.startHour() + buy.hours(), execution.costNanoUsd(), fills, now);
    }

    private OrderView view(StoredOrder order, Optional<BookChange.Filled> justFilled) {
        if (order.side() == Side.BUY && order.state() == OrderState.FILLED) {
            List<StoredFill> fills = justFilled.map(BookChange.Filled::fills)
                    .orElseGet(() -> store.fillsOf(order.id()));
            Optional<UUID> reservation = justFilled.map(BookChange.Filled::reservationId)
                    .or(() -> store.reservationOf(order.id()));
            return OrderView.of(order, fills, reservation);
        }
        return OrderView.of(order, List.of(), Optional.empty());
    }

    private static OrderPlaced placed(StoredOrder order) {
        OrderPlaced.Builder placed = OrderPlaced.newBuilder()
                .setOrderId(order.id().toString())
                .setSide(order.side() == Side.SELL ? OrderPlaced.Side.SELL : OrderPlaced.Side.BUY)
                .setOwnerId(order.ownerId())
                .setGpuModel(order.gpuModel().name())
                .setGpuCount(order.gpuCount())
                .setStartHour(order.startHour())
                .setEndHour(order.endHour())
                .setPriceNanoUsdPerGpuHour(order.priceNanoUsd())
                .setLatencySensitive(order.latencySensitive())
                .setSequence(order.sequence())
                .setPlacedAt(timestamp(order.placedAt()));
        order.nodeId().ifPresent(node -> placed.setNodeId(node.toString()));
        return placed.build();
    }

    private static OrderFilled filledEvent(BookChange.Filled filled) {
        OrderFilled.Builder event = OrderFilled.newBuilder()
                .setBuyOrderId(filled.buyOrderId().toString())
                .setBuyerId(filled.buyerId())
                .setReservationId(filled.reservationId().toString())
                .setCostNanoUsd(filled.costNanoUsd())
                .setFilledAt(timestamp(filled.at()));
        for (StoredFill fill : filled.fills()) {
            event.addFills(FillLine.newBuilder()
                    .setSellOrderId(fill.sellOrderId().toString())
                    .setOperatorId(fill.operatorId())
                    .setNodeId(fill.nodeId().toString())
                    .setGpuModel(filled.gpuModel().name())
                    .setGpuCount(fill.gpuCount())
                    .setStartHour(fill.startHour())
                    .setEndHour(fill.endHour())
                    .setPriceNanoUsdPerGpuHour(fill.priceNanoUsd())
                    .setCostNanoUsd(fill.costNanoUsd()));
        }
        return event.build();
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
