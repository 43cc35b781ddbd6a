package computepool.market.matching;

import computepool.market.domain.GpuModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
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

    /** The order in which spot buys lose their GPUs to a higher bid: lowest bid first, then the latest. */
    private static final Comparator<Holding> PREEMPTION_ORDER = Comparator
            .comparingLong((Holding holding) -> holding.buy().limitPriceNanoUsdPerGpuHour())
            .thenComparing(Comparator.comparingLong((Holding holding) -> holding.buy().sequence()).reversed());

    /** GPU model → zone → the zone's sells of that model still offering GPUs, in {@link RestingSell#PRIORITY}. */
    private final Map<GpuModel, Map<String, NavigableSet<RestingSell>>> books = new EnumMap<>(GpuModel.class);
    /** Sells neither cancelled nor ended: those in the book and those sold out for now. */
    private final Map<UUID, RestingSell> sells = new HashMap<>();
    private final NavigableSet<RestingSell> sellsByEnd = new TreeSet<>(RestingSell.BY_END);
    private final Map<UUID, NodeCalendar> nodes = new HashMap<>();
    private final Map<GpuModel, NavigableSet<BuyOrder>> restingBuys = new EnumMap<>(GpuModel.class);
    private final Map<UUID, BuyOrder> restingBuysById = new HashMap<>();
    private final NavigableSet<BuyOrder> restingBuysByExpiry = new TreeSet<>(BY_EXPIRY);
    /** Filled buys holding GPUs for hours to come, by buy id. */
    private final Map<UUID, Holding> holdings = new HashMap<>();
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
     * Puts a sell in the book, then lets the resting buys it could serve try again, best first. A resale must offer
     * hours its buy holds and has not begun, on the one node the buy holds GPUs on, and no more GPUs than it holds.
     *
     * @return the buys that filled thanks to it, in the order they filled
     * @throws OrderRejected naming the field at fault; the book is unchanged
     */
    public List<Execution> place(SellOrder order) {
        admit(order.id(), order.sequence(), order.startHour());
        Holding resold = order.resaleOf().map(buyOrderId -> resold(order, buyOrderId)).orElse(null);
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
        addToBook(sell);
        node.sellPlaced(order);
        if (resold != null) {
            resold.resold(sell);
        }
        return fillRestingBuys(sell);
    }

    /**
     * Fills a buy whole if the book allows, taking spot buys' GPUs with lower bids if it must; otherwise a standing
     * buy rests and an immediate-or-cancel one is dropped.
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
            return new BuyOutcome.Filled(commit(order, allocation.get()), List.of(), List.of());
        }
        Optional<BuyOutcome.Filled> preempting = fillByPreempting(order);
        if (preempting.isPresent()) {
            return preempting.get();
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
            withdraw(sell);
            return true;
        }
        return false;
    }

    /**
     * Gives up the hours of a filled buy that have not begun: its GPUs go back to the sells they came from, whose
     * resting buys then try again; its offer to resell them, if any, leaves the book. Hours already resold to
     * another buyer are that buyer's, so a buy with any of those ahead cannot be given up.
     *
     * @throws OrderRejected naming the field at fault; the book is unchanged
     */
    public Cancellation cancelFilled(UUID buyOrderId) {
        Holding holding = holdings.get(buyOrderId);
        if (holding == null) {
            throw new OrderRejected("buyOrderId", "buy " + buyOrderId + " holds no GPUs for hours to come");
        }
        long from = firstUnstartedHour(holding);
        if (from >= holding.endHour()) {
            throw new OrderRejected("buyOrderId", "the last hour of buy " + buyOrderId + " is under way: nothing is "
                    + "left to give up");
        }
        HourSpan unstarted = new HourSpan(from, holding.endHour());
        for (RestingSell resale : holding.resales()) {
            if (overlap(resale.order().span(), unstarted).filter(hours -> resale.mostSold(hours) > 0).isPresent()) {
                throw new OrderRejected("buyOrderId", "hours of buy " + buyOrderId + " ahead were resold by order "
                        + resale.order().id() + ": they are its buyer's now");
            }
        }
        Optional<UUID> withdrawnResale = Optional.empty();
        for (RestingSell resale : holding.resales()) {
            if (resale.standing() != RestingSell.Standing.WITHDRAWN) {
                withdraw(resale);
                withdrawnResale = Optional.of(resale.order().id());
            }
        }
        long refund = holding.costOf(unstarted);
        giveBack(holding, unstarted);
        holding.endAt(from);
        if (from == holding.buy().startHour()) {
            holdings.remove(buyOrderId);
        }
        return new Cancellation(buyOrderId, from, refund, withdrawnResale, fillRestingBuysOn(holding.sources()));
    }

    /**
     * The book for {@code model} over {@code window}, as deep as {@code levels} prices on each side. Asks count what
     * the engine would let a buy take: sells covering the whole window, in priority order, each giving what it has
     * unsold up to what its node has spare after the sells before it.
     */
    public Depth depth(GpuModel model, HourSpan window, int levels) {
        List<RestingSell> offering = new ArrayList<>();
        books.getOrDefault(model, Map.of()).values().forEach(offering::addAll);
        offering.sort(RestingSell.PRIORITY);
        Map<NodeCalendar, Long> nodeSpare = new HashMap<>();
        List<Depth.Level> asks = new ArrayList<>();
        for (RestingSell sell : offering) {
            if (!sell.order().span().contains(window)) {
                continue;
            }
            long available = sell.order().resale() ? sell.unsold(window) : Math.min(sell.unsold(window),
                    nodeSpare.computeIfAbsent(sell.node(), node -> node.spareCards(model, window)));
            if (available <= 0) {
                continue;
            }
            if (!sell.order().resale()) {
                nodeSpare.merge(sell.node(), -available, Long::sum);
            }
            if (!addTo(asks, sell.order().minPriceNanoUsdPerGpuHour(), available, levels)) {
                break;
            }
        }
        List<Depth.Level> bids = new ArrayList<>();
        for (BuyOrder buy : restingBuys.getOrDefault(model, new TreeSet<>(BUY_PRIORITY))) {
            HourSpan span = buy.span();
            if (span.start() < window.end() && window.start() < span.end()
                    && !addTo(bids, buy.limitPriceNanoUsdPerGpuHour(), buy.gpuCount(), levels)) {
                break;
            }
        }
        return new Depth(asks, bids);
    }

    /** Adds GPUs at a price to levels built in price order; false when a new level would exceed {@code levels}. */
    private static boolean addTo(List<Depth.Level> side, long price, long gpus, int levels) {
        if (!side.isEmpty() && side.getLast().priceNanoUsdPerGpuHour() == price) {
            side.set(side.size() - 1, new Depth.Level(price, side.getLast().gpus() + gpus));
            return true;
        }
        if (side.size() == levels) {
            return false;
        }
        side.add(new Depth.Level(price, gpus));
        return true;
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
            withdraw(sellsByEnd.first());
        }
        holdings.values().removeIf(holding -> holding.endHour() <= hour);
        Iterator<NodeCalendar> calendars = nodes.values().iterator();
        while (calendars.hasNext()) {
            if (calendars.next().forgetBefore(hour)) {
                calendars.remove();
            }
        }
        return expired;
    }

    private void admit(UUID id, long sequence, long startHour) {
        if (sells.containsKey(id) || restingBuysById.containsKey(id) || holdings.containsKey(id)) {
            throw new OrderRejected("id", "order " + id + " is already in the book");
        }
        if (sequence <= lastSequence) {
            throw new OrderRejected("sequence", "must be greater than " + lastSequence + ", the last one placed");
        }
        if (startHour < currentHour) {
            throw new OrderRejected("startHour", "must not be before the current hour, " + currentHour);
        }
    }

    /** The holding whose hours {@code resale} offers, once the resale is found to be within what it holds. */
    private Holding resold(SellOrder resale, UUID buyOrderId) {
        Holding holding = holdings.get(buyOrderId);
        if (holding == null) {
            throw new OrderRejected("resaleOf", "buy " + buyOrderId + " holds no GPUs for hours to come");
        }
        BuyOrder buy = holding.buy();
        if (buy.spot()) {
            throw new OrderRejected("resaleOf", "spot GPUs may be preempted at any time, so they are not resold");
        }
        if (buy.gpuModel() != resale.gpuModel()) {
            throw new OrderRejected("gpuModel", "buy " + buyOrderId + " holds " + buy.gpuModel() + " cards");
        }
        if (holding.sources().stream().anyMatch(source -> !source.node().node().id().equals(resale.node().id()))) {
            throw new OrderRejected("resaleOf", "buy " + buyOrderId + " holds GPUs on another node than "
                    + resale.node().id() + ", or on several: only GPUs on one node are resold");
        }
        if (resale.gpuCount() > buy.gpuCount()) {
            throw new OrderRejected("gpuCount", "buy " + buyOrderId + " holds only " + buy.gpuCount() + " GPUs");
        }
        long from = firstUnstartedHour(holding);
        String unstarted = "[" + from + ", " + holding.endHour() + ")";
        if (resale.startHour() < from) {
            throw new OrderRejected("startHour", "the hours resold must be hours of buy " + buyOrderId + " that have "
                    + "not begun, " + unstarted);
        }
        if (resale.endHour() > holding.endHour()) {
            throw new OrderRejected("endHour", "the hours resold must be hours of buy " + buyOrderId + " that have "
                    + "not begun, " + unstarted);
        }
        for (RestingSell earlier : holding.resales()) {
            if (earlier.standing() != RestingSell.Standing.WITHDRAWN) {
                throw new OrderRejected("resaleOf", "buy " + buyOrderId + " is offered already by order "
                        + earlier.order().id() + ": cancel that one first");
            }
            if (overlap(earlier.order().span(), resale.span()).filter(hours -> earlier.mostSold(hours) > 0)
                    .isPresent()) {
                throw new OrderRejected("startHour", "hours of buy " + buyOrderId + " in " + resale.span()
                        + " were resold already by order " + earlier.order().id());
            }
        }
        return holding;
    }

    /** The first hour of the holding not yet begun: the current hour is under way. */
    private long firstUnstartedHour(Holding holding) {
        return Math.max(holding.buy().startHour(), currentHour + 1);
    }

    private static Optional<HourSpan> overlap(HourSpan a, HourSpan b) {
        long start = Math.max(a.start(), b.start());
        long end = Math.min(a.end(), b.end());
        return start < end ? Optional.of(new HourSpan(start, end)) : Optional.empty();
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
        while (buys.hasNext() && sell.standing() == RestingSell.Standing.IN_BOOK) {
            BuyOrder buy = buys.next();
            if (buy.limitPriceNanoUsdPerGpuHour() < sell.order().minPriceNanoUsdPerGpuHour()) {
                break;
            }
            if (!sell.order().span().contains(buy.span()) || buy.latencySensitive() && !sell.node().cluster()
                    || !couldComplete(sell, buy)) {
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

    /**
     * Lets resting buys try again, best first whatever their model, where {@code sources} gave GPUs back: any sell on
     * those nodes, of any model, may have room now that their cards and watts are free. A buy no sell there could
     * serve is as far from filling as it was.
     */
    private List<Execution> fillRestingBuysOn(List<RestingSell> sources) {
        Set<NodeCalendar> freed = new HashSet<>();
        for (RestingSell source : sources) {
            freed.add(source.node());
        }
        List<RestingSell> sellsThere = new ArrayList<>();
        for (Map<String, NavigableSet<RestingSell>> zones : books.values()) {
            for (NavigableSet<RestingSell> zone : zones.values()) {
                for (RestingSell sell : zone) {
                    if (freed.contains(sell.node())) {
                        sellsThere.add(sell);
                    }
                }
            }
        }
        List<BuyOrder> waiting = new ArrayList<>();
        restingBuys.values().forEach(waiting::addAll);
        waiting.sort(BUY_PRIORITY);
        List<Execution> executions = new ArrayList<>();
        for (BuyOrder buy : waiting) {
            boolean servedThere = sellsThere.stream().anyMatch(sell -> sell.standing() == RestingSell.Standing.IN_BOOK
                    && sell.order().gpuModel() == buy.gpuModel()
                    && sell.order().minPriceNanoUsdPerGpuHour() <= buy.limitPriceNanoUsdPerGpuHour()
                    && sell.order().span().contains(buy.span())
                    && (!buy.latencySensitive() || sell.node().cluster()));
            if (!servedThere) {
                continue;
            }
            Optional<Allocation> allocation = allocate(buy);
            if (allocation.isPresent()) {
                removeResting(buy);
                executions.add(commit(buy, allocation.get()));
            }
        }
        return executions;
    }

    /**
     * Whether {@code sell}, just arrived, could be what completes {@code buy}: it must have GPUs it can give for the
     * buy's hours, and on a federated node (a pool of its own) the node must be able to hold the whole buy.
     */
    private static boolean couldComplete(RestingSell sell, BuyOrder buy) {
        HourSpan span = buy.span();
        if (sell.order().resale()) {
            return sell.unsold(span) > 0;
        }
        long spare = sell.node().spareCards(buy.gpuModel(), span);
        if (spare == 0 || sell.unsold(span) == 0) {
            return false;
        }
        // Resales on the node offer GPUs beyond its spare ones, so only a node without any is bounded by them.
        return sell.node().cluster() || sell.node().resold() || spare >= buy.gpuCount();
    }

    private Optional<Allocation> allocate(BuyOrder buy) {
        Map<String, NavigableSet<RestingSell>> zones = books.get(buy.gpuModel());
        return zones == null ? Optional.empty() : Allocation.find(buy, zones.values());
    }

    /**
     * Frees spot buys' GPUs, lowest bid first, until {@code buy} fills; the spot buys it did not need after all get
     * theirs back. A spot buy loses its GPUs from the hour the higher bid starts (the next hour at the earliest), and
     * keeps the hours before.
     */
    private Optional<BuyOutcome.Filled> fillByPreempting(BuyOrder buy) {
        List<Holding> candidates = holdings.values().stream()
                .filter(holding -> holding.buy().spot() && holding.buy().gpuModel() == buy.gpuModel()
                        && holding.buy().limitPriceNanoUsdPerGpuHour() < buy.limitPriceNanoUsdPerGpuHour()
                        && preemptedSpan(holding, buy).isPresent())
                .sorted(PREEMPTION_ORDER)
                .toList();
        record Freed(Holding holding, HourSpan span) {
        }
        List<Freed> freed = new ArrayList<>();
        for (Holding candidate : candidates) {
            HourSpan span = preemptedSpan(candidate, buy).orElseThrow();
            giveBack(candidate, span);
            candidate.endAt(span.start());
            freed.add(new Freed(candidate, span));
            Optional<Allocation> allocation = allocate(buy);
            if (allocation.isPresent()) {
                Execution execution = commit(buy, allocation.get());
                List<Preemption> preempted = new ArrayList<>();
                List<RestingSell> freedSources = new ArrayList<>();
                for (Freed spot : freed.reversed()) {
                    if (fits(spot.holding(), spot.span())) {
                        take(spot.holding(), spot.span());
                    } else {
                        preempted.add(new Preemption(spot.holding().buy().id(), spot.span().start(),
                                spot.holding().costOf(spot.span())));
                        freedSources.addAll(spot.holding().sources());
                    }
                }
                holdings.values().removeIf(holding -> holding.endHour() <= holding.buy().startHour());
                // What the preempted gave up beyond the buy's needs is free for the resting buys.
                return Optional.of(new BuyOutcome.Filled(execution, preempted.reversed(),
                        fillRestingBuysOn(freedSources)));
            }
        }
        for (Freed spot : freed.reversed()) {
            take(spot.holding(), spot.span());
        }
        return Optional.empty();
    }

    /**
     * The hours a spot holding would give up to {@code buy}: from the buy's start (or its own) to its end, but never
     * the hour under way, so the notice always comes before the loss.
     */
    private Optional<HourSpan> preemptedSpan(Holding spot, BuyOrder buy) {
        long from = Math.max(Math.max(spot.buy().startHour(), buy.startHour()), currentHour + 1);
        return from < Math.min(spot.endHour(), buy.span().end())
                ? Optional.of(new HourSpan(from, spot.endHour())) : Optional.empty();
    }

    private Execution commit(BuyOrder buy, Allocation allocation) {
        // A spot bid pays the clearing price: the dearest sell its fill needed, for every GPU.
        long clearingPrice = allocation.takes().stream()
                .mapToLong(take -> take.sell().order().minPriceNanoUsdPerGpuHour()).max().orElseThrow();
        List<Fill> fills = new ArrayList<>(allocation.takes().size());
        List<RestingSell> sources = new ArrayList<>(allocation.takes().size());
        for (Allocation.Take take : allocation.takes()) {
            RestingSell sell = take.sell();
            take(sell, buy.gpuModel(), buy.span(), take.gpus());
            fills.add(Fill.of(buy, sell.order(), take.gpus(),
                    buy.spot() ? clearingPrice : sell.order().minPriceNanoUsdPerGpuHour()));
            sources.add(sell);
        }
        Execution execution = new Execution(buy, fills);
        holdings.put(buy.id(), new Holding(execution, sources));
        return execution;
    }

    /** Whether every GPU the holding gave up over {@code span} is still free to take back. */
    private static boolean fits(Holding holding, HourSpan span) {
        Map<RestingSell, Long> bySell = new HashMap<>();
        Map<NodeCalendar, Long> byNode = new HashMap<>();
        List<Fill> fills = holding.execution().fills();
        for (int i = 0; i < fills.size(); i++) {
            RestingSell sell = holding.sources().get(i);
            bySell.merge(sell, (long) fills.get(i).gpuCount(), Long::sum);
            if (!sell.order().resale()) {
                byNode.merge(sell.node(), (long) fills.get(i).gpuCount(), Long::sum);
            }
        }
        GpuModel model = holding.buy().gpuModel();
        return bySell.entrySet().stream().allMatch(need -> need.getKey().unsold(span) >= need.getValue())
                && byNode.entrySet().stream().allMatch(need -> need.getKey().spareCards(model, span) >= need.getValue());
    }

    /** Takes back the GPUs the holding gave up over {@code span}, the last hours it held. */
    private void take(Holding holding, HourSpan span) {
        holding.endAt(span.end());
        List<Fill> fills = holding.execution().fills();
        for (int i = 0; i < fills.size(); i++) {
            take(holding.sources().get(i), holding.buy().gpuModel(), span, fills.get(i).gpuCount());
        }
    }

    private void take(RestingSell sell, GpuModel model, HourSpan span, int gpus) {
        sell.sell(span, gpus);
        if (!sell.order().resale()) {
            sell.node().commit(model, span, gpus);
        }
        if (sell.standing() == RestingSell.Standing.IN_BOOK && sell.soldOut()) {
            removeFromBook(sell);
            sell.standing(RestingSell.Standing.SOLD_OUT);
        }
    }

    /** The holding's GPUs over {@code span} go back to their sells; a sold-out sell returns to the book. */
    private void giveBack(Holding holding, HourSpan span) {
        List<Fill> fills = holding.execution().fills();
        for (int i = 0; i < fills.size(); i++) {
            RestingSell sell = holding.sources().get(i);
            sell.sell(span, -fills.get(i).gpuCount());
            if (!sell.order().resale()) {
                sell.node().commit(holding.buy().gpuModel(), span, -fills.get(i).gpuCount());
            }
            if (sell.standing() == RestingSell.Standing.SOLD_OUT) {
                sell.standing(RestingSell.Standing.IN_BOOK);
                addToBook(sell);
            }
        }
    }

    private void removeResting(BuyOrder buy) {
        restingBuys.get(buy.gpuModel()).remove(buy);
        restingBuysById.remove(buy.id());
        restingBuysByExpiry.remove(buy);
    }

    private void addToBook(RestingSell sell) {
        SellOrder order = sell.order();
        books.computeIfAbsent(order.gpuModel(), model -> new HashMap<>())
                .computeIfAbsent(order.node().zone(), zone -> new TreeSet<>(RestingSell.PRIORITY))
                .add(sell);
    }

    private void removeFromBook(RestingSell sell) {
        SellOrder order = sell.order();
        Map<String, NavigableSet<RestingSell>> zones = books.get(order.gpuModel());
        NavigableSet<RestingSell> zone = zones.get(order.node().zone());
        zone.remove(sell);
        if (zone.isEmpty()) {
            zones.remove(order.node().zone());
        }
    }

    /** Cancelled or ended: the sell offers nothing more, whatever is given back to it. */
    private void withdraw(RestingSell sell) {
        if (sell.standing() == RestingSell.Standing.IN_BOOK) {
            removeFromBook(sell);
        }
        sell.standing(RestingSell.Standing.WITHDRAWN);
        sells.remove(sell.order().id());
        sellsByEnd.remove(sell);
        sell.node().sellGone(sell.order());
    }
}
