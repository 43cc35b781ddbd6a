package computepool.market.matching;

import java.util.Comparator;

/** A sell in the book with its GPUs sold so far, hour by hour. */
final class RestingSell {

    /** The order in which a buy takes sells: cheapest first, then the one that came first. */
    static final Comparator<RestingSell> PRIORITY = Comparator
            .comparingLong((RestingSell sell) -> sell.order.minPriceNanoUsdPerGpuHour())
            .thenComparingLong(sell -> sell.order.sequence());

    /** The order in which sells leave the book as time passes. */
    static final Comparator<RestingSell> BY_END = Comparator
            .comparingLong((RestingSell sell) -> sell.order.endHour())
            .thenComparingLong(sell -> sell.order.sequence());

    private final SellOrder order;
    private final NodeCalendar node;
    private final HourlyTally sold = new HourlyTally();

    RestingSell(SellOrder order, NodeCalendar node) {
        this.order = order;
        this.node = node;
    }

    SellOrder order() {
        return order;
    }

    NodeCalendar node() {
        return node;
    }

    /** GPUs of this sell not yet sold in any hour of {@code span}; the node may allow fewer. */
    long unsold(HourSpan span) {
        return order.gpuCount() - sold.max(span);
    }

    void sell(HourSpan span, int gpus) {
        sold.add(span, gpus);
    }

    /** Every GPU sold for every hour: nothing is left to take. */
    boolean soldOut() {
        return sold.min(order.span()) >= order.gpuCount();
    }
}
