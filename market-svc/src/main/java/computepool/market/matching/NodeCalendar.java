package computepool.market.matching;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one node has sold, hour by hour: the cards of each model in use and the watts they may draw together. All
 * sells of the node draw on it, so overlapping offers of the same cards cannot sell an hour of a card twice.
 *
 * <p>Cards of one model are interchangeable to a buyer, so where a node has cards of one model with different power
 * limits, each card sold of that model is counted at the highest of them: the budget holds whichever card runs.
 */
final class NodeCalendar {

    private final Node node;
    private final Map<GpuModel, Integer> cards = new EnumMap<>(GpuModel.class);
    private final Map<GpuModel, Integer> wattsPerCard = new EnumMap<>(GpuModel.class);
    private final Map<GpuModel, HourlyTally> cardsInUse = new EnumMap<>(GpuModel.class);
    private final HourlyTally wattsInUse = new HourlyTally();
    private int liveSells;
    private int liveResales;

    NodeCalendar(Node node) {
        this.node = node;
        for (GpuGroup group : node.gpus()) {
            cards.merge(group.model(), group.count(), Integer::sum);
            wattsPerCard.merge(group.model(), group.powerLimitWatts(), Math::max);
        }
    }

    Node node() {
        return node;
    }

    boolean cluster() {
        return node.interconnect() == Interconnect.CLUSTER;
    }

    /** How many more cards of {@code model} could run through every hour of {@code span}, by count and by power. */
    long spareCards(GpuModel model, HourSpan span) {
        long byCount = cards.get(model) - inUse(model).max(span);
        long byPower = (node.powerBudgetWatts() - wattsInUse.max(span)) / wattsPerCard.get(model);
        return Math.max(0, Math.min(byCount, byPower));
    }

    void commit(GpuModel model, HourSpan span, int count) {
        inUse(model).add(span, count);
        wattsInUse.add(span, (long) count * wattsPerCard.get(model));
    }

    void sellPlaced(SellOrder sell) {
        liveSells++;
        liveResales += sell.resale() ? 1 : 0;
    }

    void sellGone(SellOrder sell) {
        liveSells--;
        liveResales -= sell.resale() ? 1 : 0;
    }

    /** Whether any sell of this node resells GPUs a buyer holds: those are offered beyond what the node has spare. */
    boolean resold() {
        return liveResales > 0;
    }

    /** Forgets the hours before {@code hour}; true when nothing of the node is offered or sold from it on. */
    boolean forgetBefore(long hour) {
        wattsInUse.forgetBefore(hour);
        cardsInUse.values().forEach(tally -> tally.forgetBefore(hour));
        return liveSells == 0 && wattsInUse.isZero();
    }

    private HourlyTally inUse(GpuModel model) {
        return cardsInUse.computeIfAbsent(model, m -> new HourlyTally());
    }
}
