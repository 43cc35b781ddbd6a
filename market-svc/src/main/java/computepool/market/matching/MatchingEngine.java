package computepool.market.matching;

import computepool.market.domain.GpuModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The market's order book: sells of GPU-hours and the standing buys waiting for them, matched by price-time priority
 * (cheapest sell first, then the earliest). A buy fills whole, in one zone, at each sell's own price, on one node or
 * on cluster nodes only; no card is sold twice for an hour; the cards sold on a node never draw more, together, than
 * the node's power budget.
 *
 * <p>Plain code without I/O or clock: the caller feeds it orders one at a time (it is not thread-safe), tells it
 * when an hour has passed, and keeps what it answers.
 */
public final class MatchingEngine {

    /** The order in which resting buys get to fill: highest limit first, then the one that came first. */
    private static final Comparator<BuyOrder> BUY_PRIORITY = Comparator
            .comparingLong(BuyOrder::limitPriceNanoUsdPerGpuHour).reversed()
            .thenComparingLong(BuyOrder::sequence);

    private static final Comparator<BuyOrder> BY_EXPIRY = Comparator
            .comparingLong((BuyOrder buy) -> ((TimeInForce.Standing) buy.timeInForce()).expiresAtHour())
            .thenComparingLong(BuyOrder::sequence);

    /** GPU model → zone → the zone's sells of that model in {@link RestingSell#PRIORITY}. */
    private final Map<GpuModel, Map<String, NavigableSet<RestingSell>>> books = new EnumMap<>(GpuModel.class);
    private final Map<UUID, RestingSell> sells = new HashMap<>();
    private final NavigableSet<RestingSell> sellsByEnd = new TreeSet<>(RestingSell.BY_END);
    private final Map<UUID, NodeCalendar> nodes = new HashMap<>();
    private final Map<GpuModel, NavigableSet<BuyOrder>> restingBuys = new EnumMap<>(GpuModel.class);
    private final Map<UUID, BuyOrder> restingBuysById = new HashMap<>();
    private final NavigableSet<BuyOrder> restingBuysByExpiry = new TreeSet<>(BY_EXPIRY);
    private long currentHour;
    private long lastSequence;

    /** @param currentHour the hour now under way, in whole hours since the Unix epoch */
    public MatchingEngine(long currentHour) {
        if (currentHour < 0) {
            throw new IllegalArgumentException("the current hour must not be before the Unix epoch: " + currentHour);
        }
        this.currentHour = currentHour;
    }

    public long currentHour() {
        return currentHour;
    }

    /**
     * Puts a sell in the book, then lets the resting buys it could serve try again, best first.
     *
     * @return the buys that filled thanks to it, in the order they filled
     * @throws OrderRejected naming the field at fault; the book is unchanged
     */
    public List<Execution> place(SellOrder order) {
        admit(order.id(), order.sequence(), order.startHour());
        NodeCalendar node = nodes.get(order.node().id());
        if (node != null && !node.node().equals(order.node())) {
            throw new OrderRejected("node", "differs from node " + order.node().id() + " as the book knows it "
                    + "from its earlier sells");
        }
        if (node == null) {
            node = new NodeCalendar(order.node());
            nodes.put(order.node().id(), node);
        }
        lastSequence = order.sequence();
        RestingSell sell = new RestingSell(order, node);
        sells.put(order.id(), sell);
        sellsByEnd.add(sell);
        books.computeIfAbsent(order.gpuModel(), model -> new HashMap<>())
                .computeIfAbsent(order.node().zone(), zone -> new TreeSet<>(RestingSell.PRIORITY))
                .add(sell);
        node.sellPlaced();
        return fillRestingBuys(sell);
    }

    /**
     * Fills a buy whole if the book allows; otherwise a standing buy rests and an immediate-or-cancel one is dropped.
     *
     * @throws OrderRejected naming the field at fault; the book is unchanged
     */
    public BuyOutcome place(BuyOrder order) {
        admit(order.id(), order.sequence(), order.startHour());
        boolean standing = order.timeInForce() instanceof TimeInForce.Standing;
        if (standing && ((TimeInForce.Standing) order.timeInForce()).expiresAtHour() <= currentHour) {
            throw new OrderRejected("timeInForce.expiresAtHour", "must be after the current hour, " + currentHour);
        }
        lastSequence = order.sequence();
        Optional<Allocation> allocation = allocate(order);
        if (allocation.isPresent()) {
            return new BuyOutcome.Filled(commit(order, allocation.get()));
        }
        if (!standing) {
            return new BuyOutcome.Cancelled();
        }
        restingBuys.computeIfAbsent(order.gpuModel(), model -> new TreeSet<>(BUY_PRIORITY)).add(order);
        restingBuysById.put(order.id(), order);
        restingBuysByExpiry.add(order);
        return new BuyOutcome.Resting();
    }

    /**
     * Takes a resting buy, or what is still unsold of a sell, out of the book. GPUs already sold stay sold.
     *
     * @return whether the order was in the book
     */
    public boolean cancel(UUID orderId) {
        BuyOrder buy = restingBuysById.get(orderId);
        if (buy != null) {
            removeResting(buy);
            return true;
        }
        RestingSell sell = sells.get(orderId);
        if (sell != null) {
            remove(sell);
            return true;
        }
        return false;
    }

    /**
     * Moves the clock to {@code hour}: standing buys expiring by then leave the book, as do sells whose span has
     * ended, and the hours before it are forgotten.
     *
     * @return the buys that expired, earliest expiry first
     */
    public List<BuyOrder> advanceTo(long hour) {
        if (hour < currentHour) {
            throw new IllegalArgumentException("the clock cannot go back from hour " + currentHour + " to " + hour);
        }
        currentHour = hour;
        List<BuyOrder> expired = new ArrayList<>();
        while (!restingBuysByExpiry.isEmpty()
                && ((TimeInForce.Standing) restingBuysByExpiry.first().timeInForce()).expiresAtHour() <= hour) {
            BuyOrder buy = restingBuysByExpiry.first();
            removeResting(buy);
            expired.add(buy);
        }
        while (!sellsByEnd.isEmpty() && sellsByEnd.first().order().endHour() <= hour) {
            remove(sellsByEnd.first());
        }
        Iterator<NodeCalendar> calendars = nodes.values().iterator();
        while (calendars.hasNext()) {
            if (calendars.next().forgetBefore(hour)) {
                calendars.remove();
            }
        }
        return expired;
    }

    private void admit(UUID id, long sequence, long startHour) {
        if (sells.containsKey(id) || restingBuysById.containsKey(id)) {
            throw new OrderRejected("id", "order " + id + " is already in the book");
        }
        if (sequence <= lastSequence) {
            throw new OrderRejected("sequence", "must be greater than " + lastSequence + ", the last one placed");
        }
        if (startHour < currentHour) {
            throw new OrderRejected("startHour", "must not be before the current hour, " + currentHour);
        }
    }

    private List<Execution> fillRestingBuys(RestingSell sell) {
        NavigableSet<BuyOrder> waiting = restingBuys.get(sell.order().gpuModel());
        if (waiting == null) {
            return List.of();
        }
        List<Execution> executions = new ArrayList<>();
        Iterator<BuyOrder> buys = waiting.iterator();
        // Nothing but this sell added GPU-hours, so once it is sold out, or a buy's limit is below its price, or it
        // cannot serve a buy at all, the buys left are as far from filling as they were before it came.
        while (buys.hasNext() && sells.containsKey(sell.order().id())) {
            BuyOrder buy = buys.next();
            if (buy.limitPriceNanoUsdPerGpuHour() < sell.order().minPriceNanoUsdPerGpuHour()) {
                break;
            }
            if (!sell.order().span().contains(buy.span()) || buy.latencySensitive() && !sell.node().cluster()) {
                continue;
            }
            Optional<Allocation> allocation = allocate(buy);
            if (allocation.isPresent()) {
                buys.remove();
                restingBuysById.remove(buy.id());
                restingBuysByExpiry.remove(buy);
                executions.add(commit(buy, allocation.get()));
            }
        }
        return executions;
    }

    private Optional<Allocation> allocate(BuyOrder buy) {
        Map<String, NavigableSet<RestingSell>> zones = books.get(buy.gpuModel());
        return zones == null ? Optional.empty() : Allocation.find(buy, zones.values());
    }

    private Execution commit(BuyOrder buy, Allocation allocation) {
        List<Fill> fills = new ArrayList<>(allocation.takes().size());
        for (Allocation.Take take : allocation.takes()) {
            RestingSell sell = take.sell();
            sell.sell(buy.span(), take.gpus());
            sell.node().commit(buy.gpuModel(), buy.span(), take.gpus());
            fills.add(Fill.of(buy, sell.order(), take.gpus()));
            if (sell.soldOut()) {
                remove(sell);
            }
        }
        return new Execution(buy, fills);
    }

    private void removeResting(BuyOrder buy) {
        restingBuys.get(buy.gpuModel()).remove(buy);
        restingBuysById.remove(buy.id());
        restingBuysByExpiry.remove(buy);
    }

    private void remove(RestingSell sell) {
        SellOrder order = sell.order();
        sells.remove(order.id());
        sellsByEnd.remove(sell);
        Map<String, NavigableSet<RestingSell>> zones = books.get(order.gpuModel());
        NavigableSet<RestingSell> zone = zones.get(order.node().zone());
        zone.remove(sell);
        if (zone.isEmpty()) {
            zones.remove(order.node().zone());
        }
        sell.node().sellGone();
    }
}
