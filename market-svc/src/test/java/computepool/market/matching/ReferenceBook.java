package computepool.market.matching;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The book as plainly as it can be kept: every GPU-hour counted hour by hour in maps, and the most a buy could get
 * worked out from scratch each time. Slow and obviously right, it judges what the engine answers.
 */
final class ReferenceBook {

    /** Sells in the order a buy should take them. */
    static final Comparator<SellOrder> RANK = Comparator
            .comparingLong(SellOrder::minPriceNanoUsdPerGpuHour)
            .thenComparingLong(SellOrder::sequence);

    /** Resting buys in the order they should get to fill. */
    static final Comparator<BuyOrder> BUY_PRIORITY = Comparator
            .comparingLong(BuyOrder::limitPriceNanoUsdPerGpuHour).reversed()
            .thenComparingLong(BuyOrder::sequence);

    /**
     * Where a buy may be placed whole: every cluster node of a zone together, or one federated node alone.
     *
     * @param federatedNode the node of a one-node pool; null for a zone's cluster nodes
     */
    record Pool(String zone, Node federatedNode) {

        boolean holds(Node node) {
            return node.zone().equals(zone) && (federatedNode == null
                    ? node.interconnect() == Interconnect.CLUSTER
                    : node.id().equals(federatedNode.id()));
        }
    }

    /** A filled buy and the hour it holds its GPUs until: its end, or earlier once given up or preempted. */
    static final class Held {

        final Execution execution;
        long endHour;

        Held(Execution execution) {
            this.execution = execution;
            this.endHour = execution.buy().span().end();
        }

        BuyOrder buy() {
            return execution.buy();
        }
    }

    long now;
    /** Sells neither cancelled nor ended, sold out or not. */
    final Map<UUID, SellOrder> liveSells = new LinkedHashMap<>();
    /** Filled buys whose hours have not all passed. */
    final Map<UUID, Held> holdings = new LinkedHashMap<>();
    final Map<UUID, BuyOrder> restingBuys = new LinkedHashMap<>();
    private final Map<UUID, Map<Long, Integer>> soldBySell = new HashMap<>();
    private final Map<UUID, Map<GpuModel, Map<Long, Integer>>> cardsByNode = new HashMap<>();
    private final Map<UUID, Map<Long, Long>> wattsByNode = new HashMap<>();
    private final List<Node> nodes;

    ReferenceBook(long now, List<Node> nodes) {
        this.now = now;
        this.nodes = List.copyOf(nodes);
    }

    static int cards(Node node, GpuModel model) {
        return node.gpus().stream().filter(group -> group.model() == model).mapToInt(GpuGroup::count).sum();
    }

    /** The engine's rule: a card counts at the highest power limit among the node's cards of its model. */
    static int wattsPerCard(Node node, GpuModel model) {
        return node.gpus().stream().filter(group -> group.model() == model).mapToInt(GpuGroup::powerLimitWatts)
                .max().orElseThrow();
    }

    int sold(SellOrder sell, long hour) {
        return soldBySell.getOrDefault(sell.id(), Map.of()).getOrDefault(hour, 0);
    }

    int cardsInUse(Node node, GpuModel model, long hour) {
        return cardsByNode.getOrDefault(node.id(), Map.of()).getOrDefault(model, Map.of()).getOrDefault(hour, 0);
    }

    long wattsInUse(Node node, long hour) {
        return wattsByNode.getOrDefault(node.id(), Map.of()).getOrDefault(hour, 0L);
    }

    long unsold(SellOrder sell, HourSpan span) {
        long least = Long.MAX_VALUE;
        for (long hour = span.start(); hour < span.end(); hour++) {
            least = Math.min(least, sell.gpuCount() - sold(sell, hour));
        }
        return least;
    }

    long spareCards(Node node, GpuModel model, HourSpan span) {
        long least = Long.MAX_VALUE;
        for (long hour = span.start(); hour < span.end(); hour++) {
            long byCount = cards(node, model) - cardsInUse(node, model, hour);
            long byPower = (node.powerBudgetWatts() - wattsInUse(node, hour)) / wattsPerCard(node, model);
            least = Math.min(least, Math.min(byCount, byPower));
        }
        return Math.max(0, least);
    }

    /** Every pool that may hold {@code buy}. */
    List<Pool> poolsFor(BuyOrder buy) {
        List<Pool> pools = new ArrayList<>();
        for (String zone : nodes.stream().map(Node::zone).distinct().toList()) {
            pools.add(new Pool(zone, null));
        }
        if (!buy.latencySensitive()) {
            nodes.stream().filter(node -> node.interconnect() == Interconnect.FEDERATED)
                    .forEach(node -> pools.add(new Pool(node.zone(), node)));
        }
        return pools;
    }

    /** Whether {@code sell} may serve {@code buy} at all, ignoring what is sold already. */
    static boolean eligible(SellOrder sell, BuyOrder buy) {
        return sell.gpuModel() == buy.gpuModel()
                && sell.minPriceNanoUsdPerGpuHour() <= buy.limitPriceNanoUsdPerGpuHour()
                && sell.span().contains(buy.span());
    }

    /**
     * The most GPUs {@code pool} could give {@code buy} from its eligible live sells ranked before {@code bound}
     * (all of them when null): on each node, what its sells have unsold, up to what the node has spare.
     */
    long capacity(BuyOrder buy, Pool pool, SellOrder bound) {
        Map<Node, Long> unsoldByNode = new HashMap<>();
        for (SellOrder sell : liveSells.values()) {
            if (pool.holds(sell.node()) && eligible(sell, buy)
                    && (bound == null || RANK.compare(sell, bound) < 0)) {
                unsoldByNode.merge(sell.node(), unsold(sell, buy.span()), Long::sum);
            }
        }
        long total = 0;
        for (Map.Entry<Node, Long> node : unsoldByNode.entrySet()) {
            total += Math.min(node.getValue(), spareCards(node.getKey(), buy.gpuModel(), buy.span()));
        }
        return total;
    }

    boolean couldFill(BuyOrder buy) {
        return poolsFor(buy).stream().anyMatch(pool -> capacity(buy, pool, null) >= buy.gpuCount());
    }

    /** The hours a spot holding would give up to {@code buy}: from the later of their starts, never the hour now. */
    Optional<HourSpan> preemptedSpan(Held spot, BuyOrder buy) {
        long from = Math.max(Math.max(spot.buy().startHour(), buy.startHour()), now + 1);
        return from < Math.min(spot.endHour, buy.span().end())
                ? Optional.of(new HourSpan(from, spot.endHour)) : Optional.empty();
    }

    /** Whether {@code buy} could fill were every spot holding with a lower bid to give up what it would lose. */
    boolean couldFillPreempting(BuyOrder buy) {
        Map<Held, HourSpan> preemptible = new LinkedHashMap<>();
        for (Held held : holdings.values()) {
            if (held.buy().spot() && held.buy().gpuModel() == buy.gpuModel()
                    && held.buy().limitPriceNanoUsdPerGpuHour() < buy.limitPriceNanoUsdPerGpuHour()) {
                preemptedSpan(held, buy).ifPresent(span -> preemptible.put(held, span));
            }
        }
        preemptible.forEach(this::giveBack);
        boolean could = couldFill(buy);
        preemptible.forEach((held, span) -> {
            held.execution.fills().forEach(fill -> count(fill, span, fill.gpuCount()));
            held.endHour = span.end();
        });
        return could;
    }

    void place(SellOrder sell) {
        liveSells.put(sell.id(), sell);
    }

    /** Takes the execution's GPUs for its hours and remembers it as held. */
    void apply(Execution execution) {
        for (Fill fill : execution.fills()) {
            Objects.requireNonNull(liveSells.get(fill.sellOrderId()), "fill of a sell not in the book");
            count(fill, fill.span(), fill.gpuCount());
        }
        holdings.put(execution.buy().id(), new Held(execution));
    }

    /**
     * Gives the hours of {@code span} of a holding back to their sells (live or not) and nodes.
     *
     * @return what those hours cost
     */
    long giveBack(Held held, HourSpan span) {
        long cost = 0;
        for (Fill fill : held.execution.fills()) {
            count(fill, span, -fill.gpuCount());
            cost += fill.priceNanoUsdPerGpuHour() * fill.gpuCount() * span.hours();
        }
        held.endHour = span.start();
        return cost;
    }

    private void count(Fill fill, HourSpan span, int gpus) {
        Node node = nodes.stream().filter(candidate -> candidate.id().equals(fill.nodeId())).findFirst()
                .orElseThrow();
        for (long hour = span.start(); hour < span.end(); hour++) {
            soldBySell.computeIfAbsent(fill.sellOrderId(), id -> new HashMap<>()).merge(hour, gpus, Integer::sum);
            cardsByNode.computeIfAbsent(node.id(), id -> new HashMap<>())
                    .computeIfAbsent(fill.gpuModel(), model -> new HashMap<>())
                    .merge(hour, gpus, Integer::sum);
            wattsByNode.computeIfAbsent(node.id(), id -> new HashMap<>())
                    .merge(hour, (long) gpus * wattsPerCard(node, fill.gpuModel()), Long::sum);
        }
    }

    List<BuyOrder> advanceTo(long hour) {
        now = hour;
        List<BuyOrder> expired = restingBuys.values().stream()
                .filter(buy -> ((TimeInForce.Standing) buy.timeInForce()).expiresAtHour() <= hour)
                .sorted(Comparator.comparingLong((BuyOrder buy) -> ((TimeInForce.Standing) buy.timeInForce())
                        .expiresAtHour()).thenComparingLong(BuyOrder::sequence))
                .toList();
        expired.forEach(buy -> restingBuys.remove(buy.id()));
        liveSells.values().removeIf(sell -> sell.endHour() <= hour);
        holdings.values().removeIf(held -> held.endHour <= hour);
        return expired;
    }
}
