package computepool.market.orders;

import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.market.config.RegistryConfig;
import computepool.market.domain.GpuModel;
import computepool.market.domain.NodeStatus;
import computepool.market.matching.BuyOrder;
import computepool.market.matching.BuyOutcome;
import computepool.market.matching.Cancellation;
import computepool.market.matching.Depth;
import computepool.market.matching.Execution;
import computepool.market.matching.HourSpan;
import computepool.market.matching.MatchingEngine;
import computepool.market.matching.OrderRejected;
import computepool.market.matching.Preemption;
import computepool.market.matching.SellOrder;
import computepool.market.matching.TimeInForce;
import computepool.market.v1.BuyClosed;
import computepool.market.v1.ReservationEnded;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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
    private final BookRecords records;
    private final RegistryConfig config;
    private final Clock clock;
    // Guarded by this.
    private MatchingEngine engine;
    private long lastSequence;

    public OrderBook(OrderStore store, RegistryConfig config, Clock clock) {
        this.store = store;
        this.records = new BookRecords(store);
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
        return placeSell(operatorId, idempotencyKey, terms.hash(), node, terms.gpuModel(), terms.gpuCount(),
                terms.startHour(), terms.endHour(), terms.minPriceNanoUsdPerGpuHour(), Optional.empty());
    }

    /**
     * Offers hours of a reservation to other buyers, as a sell of its buyer's on the node its GPUs are on; whoever
     * buys them pays the reseller.
     */
    public synchronized Placed resell(String buyerId, String idempotencyKey, OrderTerms.Resale terms) {
        Optional<Placed> repeated = repeated(buyerId, idempotencyKey, terms);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        StoredReservation reservation = store.reservation(terms.reservationId())
                .filter(found -> found.buyerId().equals(buyerId))
                .orElseThrow(() -> new OrderNotFound("no reservation " + terms.reservationId()));
        UUID nodeId = store.fillsOf(reservation.buyOrderId()).getFirst().nodeId();
        NodeStatus node = store.nodes(List.of(nodeId)).get(nodeId);
        try {
            return placeSell(buyerId, idempotencyKey, terms.hash(), node, reservation.gpuModel(), terms.gpuCount(),
                    terms.startHour(), terms.endHour(), terms.minPriceNanoUsdPerGpuHour(),
                    Optional.of(reservation.buyOrderId()));
        } catch (OrderRejected e) {
            if (e.field().equals("resaleOf")) {
                throw new OrderRefused("reservationId", e.reason());
            }
            throw e;
        }
    }

    private Placed placeSell(String ownerId, String idempotencyKey, String requestHash, NodeStatus node,
            GpuModel gpuModel, int gpuCount, long startHour, long endHour, long minPrice, Optional<UUID> resaleOf) {
        Instant now = clock.instant();
        if (!node.offeredAt(now, config.nodeSilenceLimit())) {
            throw new OrderRefused("nodeId", "node " + node.node().id() + " has sent no heartbeat within "
                    + config.nodeSilenceLimit().toSeconds() + " s: a silent node is not offered");
        }
        Map<UUID, OrderState> states = advance();
        long sequence = lastSequence + 1;
        UUID id = UUID.randomUUID();
        List<Execution> executions;
        try {
            executions = engine().place(new SellOrder(id, node.node(), gpuModel, gpuCount, startHour, endHour,
                    minPrice, sequence, resaleOf));
        } catch (OrderRejected e) {
            recordExpiries(idempotencyKey, states);
            throw e;
        }
        StoredOrder order = new StoredOrder(id, sequence, Side.SELL, ownerId, requestHash, gpuModel, gpuCount,
                startHour, endHour, minPrice, Optional.of(node.node().id()), false, Optional.empty(), false,
                engine.currentHour(), now, OrderState.OPEN, Optional.empty(), Optional.empty(), false, resaleOf);
        List<Outbox.Entry> events = new ArrayList<>();
        events.add(new Outbox.Entry(Topics.MARKET, ownerId, MarketEvents.placed(order)));
        List<BookChange.Filled> filled = records.filled(executions, Map.of(id, ownerId), now);
        for (BookChange.Filled fill : filled) {
            states.put(fill.buyOrderId(), OrderState.FILLED);
            events.add(new Outbox.Entry(Topics.MARKET, fill.buyerId(), MarketEvents.filled(fill)));
        }
        commit(new BookChange(idempotencyKey, List.of(order), states, List.of(), filled, List.of(), events),
                sequence);
        return new Placed(records.view(order, Optional.empty()), true);
    }

    /**
     * The id a developer's buy placed with this idempotency key has: known before the buy enters the book, so that
     * the funds held for it name it, and the same for every retry.
     */
    public static UUID buyOrderId(String developerId, String idempotencyKey) {
        return UUID.nameUUIDFromBytes(("buy/" + developerId.length() + "/" + developerId + "/" + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The order an earlier request with this idempotency key placed, as it stands; empty when there was none.
     *
     * @throws IdempotencyKeyReused when the earlier request asked something else
     */
    public Optional<Placed> placedBefore(String ownerId, String idempotencyKey, OrderTerms terms) {
        return repeated(ownerId, idempotencyKey, terms);
    }

    /**
     * Places a developer's buy, with the id {@link #buyOrderId} gives it; the caller has held its most cost on the
     * developer's funds already.
     */
    public synchronized Placed buy(String developerId, String idempotencyKey, OrderTerms.Buy terms) {
        Optional<Placed> repeated = repeated(developerId, idempotencyKey, terms);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        Instant now = clock.instant();
        Map<UUID, OrderState> states = advance();
        long sequence = lastSequence + 1;
        UUID id = buyOrderId(developerId, idempotencyKey);
        TimeInForce timeInForce = terms.expiresAtHour().<TimeInForce>map(TimeInForce.Standing::new)
                .orElseGet(TimeInForce.ImmediateOrCancel::new);
        BuyOutcome outcome;
        try {
            outcome = engine().place(new BuyOrder(id, terms.gpuModel(), terms.gpuCount(), terms.startHour(),
                    terms.hours(), terms.limitPriceNanoUsdPerGpuHour(), terms.latencySensitive(), timeInForce,
                    sequence, terms.spot()));
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
                terms.expiresAtHour().isEmpty(), engine.currentHour(), now, state, Optional.empty(), Optional.empty(),
                terms.spot(), Optional.empty());
        List<Outbox.Entry> events = new ArrayList<>();
        events.add(new Outbox.Entry(Topics.MARKET, developerId, MarketEvents.placed(order)));
        if (state == OrderState.CANCELLED) {
            events.add(new Outbox.Entry(Topics.MARKET, developerId, MarketEvents.buyClosed(id, developerId,
                    BuyClosed.Reason.UNFILLED, now)));
        }
        List<BookChange.Filled> filled = List.of();
        List<BookChange.ReservationEnd> ends = new ArrayList<>();
        if (outcome instanceof BuyOutcome.Filled done) {
            List<Execution> executions = new ArrayList<>(List.of(done.execution()));
            executions.addAll(done.restingFilled());
            filled = records.filled(executions, Map.of(id, developerId), now);
            for (BookChange.Filled fill : filled) {
                if (!fill.buyOrderId().equals(id)) {
                    states.put(fill.buyOrderId(), OrderState.FILLED);
                }
                events.add(new Outbox.Entry(Topics.MARKET, fill.buyerId(), MarketEvents.filled(fill)));
            }
            Map<UUID, StoredReservation> preempted = store.reservationsByBuy(
                    done.preempted().stream().map(Preemption::buyOrderId).toList());
            for (Preemption preemption : done.preempted()) {
                StoredReservation spot = preempted.get(preemption.buyOrderId());
                ends.add(new BookChange.ReservationEnd(preemption.buyOrderId(), preemption.fromHour(),
                        StoredReservation.EndedEarly.PREEMPTED, preemption.refundNanoUsd(), Optional.empty()));
                events.add(new Outbox.Entry(Topics.MARKET, spot.buyerId(), MarketEvents.preempted(spot, id, now,
                        preemption.fromHour(), preemption.refundNanoUsd())));
                events.add(new Outbox.Entry(Topics.MARKET, spot.buyerId(), MarketEvents.ended(spot,
                        ReservationEnded.Reason.PREEMPTED, preemption.fromHour(), preemption.refundNanoUsd())));
            }
        }
        commit(new BookChange(idempotencyKey, List.of(order), states, List.of(), filled, ends, events), sequence);
        return new Placed(records.view(order, filled.stream().findFirst()), true);
    }

    /**
     * Gives up the hours of the buyer's reservation that have not begun, refunded at the prices they were bought at;
     * the GPUs go back on offer, and its resale, if any, leaves the book.
     *
     * @throws OrderNotFound when the buyer has no such reservation
     * @throws OrderRefused  when nothing of it is left to give up, or hours ahead were resold
     */
    public synchronized ReservationView cancelReservation(String buyerId, UUID reservationId) {
        StoredReservation reservation = records.reservationOf(buyerId, reservationId);
        Instant now = clock.instant();
        Map<UUID, OrderState> states = advance();
        Cancellation cancelled;
        try {
            cancelled = engine().cancelFilled(reservation.buyOrderId());
        } catch (OrderRejected e) {
            recordExpiries("", states);
            throw new OrderRefused("id", e.reason());
        }
        long sequence = lastSequence + 1;
        BookChange.Cancellation logged = new BookChange.Cancellation(reservation.buyOrderId(), sequence,
                engine.currentHour());
        cancelled.withdrawnResale().ifPresent(resale -> states.put(resale, OrderState.CANCELLED));
        List<BookChange.Filled> filled = records.filled(cancelled.executions(), Map.of(), now);
        List<Outbox.Entry> events = new ArrayList<>();
        events.add(new Outbox.Entry(Topics.MARKET, buyerId, MarketEvents.ended(reservation,
                ReservationEnded.Reason.CANCELLED, cancelled.fromHour(), cancelled.refundNanoUsd())));
        for (BookChange.Filled fill : filled) {
            states.put(fill.buyOrderId(), OrderState.FILLED);
            events.add(new Outbox.Entry(Topics.MARKET, fill.buyerId(), MarketEvents.filled(fill)));
        }
        commit(new BookChange("", List.of(), states, List.of(), filled, List.of(new BookChange.ReservationEnd(
                reservation.buyOrderId(), cancelled.fromHour(), StoredReservation.EndedEarly.CANCELLED,
                cancelled.refundNanoUsd(), Optional.of(logged))), events), sequence);
        return records.view(store.reservation(reservationId).orElseThrow(), currentHour());
    }

    /** The buyer's reservation as it stands. */
    public ReservationView reservation(String buyerId, UUID reservationId) {
        return records.view(records.reservationOf(buyerId, reservationId), currentHour());
    }

    /** The buyer's reservations, latest start first. */
    public List<ReservationView> reservations(String buyerId, int limit) {
        long hour = currentHour();
        return store.reservationsOf(buyerId, limit).stream().map(found -> records.view(found, hour)).toList();
    }

    /**
     * Takes the open sells of nodes silent for longer than the silence limit out of the book, as if their owners had
     * cancelled them: a silent node is not offered. What they sold stays sold.
     *
     * @return how many sells were withdrawn
     */
    public synchronized int withdrawSilentSells() {
        Map<UUID, UUID> silent = store.openSellsOfNodesSilentSince(clock.instant().minus(config.nodeSilenceLimit()),
                currentHour());
        if (silent.isEmpty()) {
            return 0;
        }
        Map<UUID, OrderState> states = advance();
        List<BookChange.Cancellation> withdrawn = new ArrayList<>();
        long sequence = lastSequence;
        for (UUID sell : silent.keySet().stream().sorted().toList()) {
            if (engine().cancel(sell)) {
                withdrawn.add(new BookChange.Cancellation(sell, ++sequence, engine.currentHour()));
            }
        }
        commit(new BookChange("", List.of(), states, withdrawn, List.of(), List.of(), List.of()), sequence);
        LOG.infof("Withdrew %d sells of %d silent nodes", withdrawn.size(), silent.values().stream().distinct()
                .count());
        return withdrawn.size();
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
        if (now != OrderState.OPEN && now != OrderState.RESTING || !engine().cancel(orderId)) {
            recordExpiries("", states);
            throw new OrderRefused("id", "order " + orderId + " is " + (now == OrderState.OPEN ? "past its last hour"
                    : now) + ", no longer in the book");
        }
        long sequence = lastSequence + 1;
        states.remove(orderId);
        List<Outbox.Entry> events = order.side() == Side.BUY
                ? List.of(new Outbox.Entry(Topics.MARKET, ownerId, MarketEvents.buyClosed(orderId, ownerId,
                        BuyClosed.Reason.CANCELLED, clock.instant())))
                : List.of();
        commit(new BookChange("", List.of(), states, List.of(new BookChange.Cancellation(orderId, sequence,
                engine.currentHour())), List.of(), List.of(), events), sequence);
        return records.view(store.byId(orderId).orElseThrow(), Optional.empty());
    }

    /** The book for a GPU model over a window of hours, as deep as {@code levels} prices a side. */
    public synchronized Depth depth(GpuModel model, long startHour, int hours, int levels) {
        advanceAndRecord();
        return engine().depth(model, new HourSpan(startHour, startHour + hours), levels);
    }

    /** The spot price index of a GPU model for each hour of {@code [fromHour, toHour)}. */
    public List<SpotIndexPoint> spotIndex(GpuModel model, long fromHour, long toHour) {
        return store.spotIndex(model, fromHour, toHour);
    }

    /** The owner's order as it stands, with its fills if it is a filled buy. */
    public synchronized OrderView get(String ownerId, UUID orderId) {
        advanceAndRecord();
        return store.byId(orderId).filter(found -> found.ownerId().equals(ownerId))
                .map(found -> records.view(found, Optional.empty()))
                .orElseThrow(() -> new OrderNotFound("no order " + orderId));
    }

    /** Rebuilds the engine from the log: after a restart, or after a write that failed. */
    public synchronized void rebuild() {
        BookReplay.Replayed replayed = BookReplay.replay(store, currentHour());
        engine = replayed.engine();
        lastSequence = Math.max(replayed.lastSequence(), store.lastSequence());
        LOG.infof("Order book rebuilt from %d orders (%d steps) at hour %d", replayed.orders(), replayed.steps(),
                engine.currentHour());
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
            commit(BookChange.expiries(idempotencyKey, states), lastSequence);
        }
    }

    /** Writes the change, announcing the standing buys it records expired: their buyers' funds are free again. */
    private void commit(BookChange change, long sequence) {
        try {
            store.record(withExpiriesAnnounced(change));
        } catch (RuntimeException e) {
            LOG.errorf(e, "The book's change could not be written; rebuilding the book from its log");
            engine = null;
            throw new BookUnavailable(e);
        }
        lastSequence = sequence;
    }

    private BookChange withExpiriesAnnounced(BookChange change) {
        List<UUID> expired = change.states().entrySet().stream()
                .filter(entry -> entry.getValue() == OrderState.EXPIRED).map(Map.Entry::getKey).toList();
        if (expired.isEmpty()) {
            return change;
        }
        Map<UUID, String> owners = store.owners(expired);
        Instant now = clock.instant();
        List<Outbox.Entry> events = new ArrayList<>(change.events());
        for (UUID buy : expired) {
            events.add(new Outbox.Entry(Topics.MARKET, owners.get(buy), MarketEvents.buyClosed(buy, owners.get(buy),
                    BuyClosed.Reason.EXPIRED, now)));
        }
        return change.withEvents(events);
    }

    private Optional<Placed> repeated(String ownerId, String idempotencyKey, OrderTerms terms) {
        return store.byIdempotencyKey(ownerId, idempotencyKey).map(earlier -> {
            if (!earlier.requestHash().equals(terms.hash())) {
                throw new IdempotencyKeyReused(idempotencyKey);
            }
            return new Placed(records.view(earlier, Optional.empty()), false);
        });
    }

    /** The instant hour {@code hour} (counted from the Unix epoch) begins. */
    public static Instant hourStart(long hour) {
        return Instant.ofEpochSecond(Math.multiplyExact(hour, SECONDS_PER_HOUR));
    }
}
