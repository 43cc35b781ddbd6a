package computepool.market.matching;

import java.util.Comparator;

/** A sell the book has taken, with its GPUs sold so far, hour by hour. */
final class RestingSell {

    /** The order in which a buy takes sells: cheapest first, then the one that came first. */
    static final Comparator<RestingSell> PRIORITY = Comparator
            .comparingLong((RestingSell sell) -> sell.order.minPriceNanoUsdPerGpuHour())
            .thenComparingLong(sell -> sell.order.sequence());

    /** The order in which sells leave the book as time passes. */
    static final Comparator<RestingSell> BY_END = Comparator
            .comparingLong((RestingSell sell) -> sell.order.endHour())
            .thenComparingLong(sell -> sell.order.sequence());

    enum Standing {
        /** Offered to buyers. */
        IN_BOOK,
        /** Out of the book with nothing left to sell; it comes back should a buyer give GPUs back. */
        SOLD_OUT,
        /** Cancelled by its owner, or past its last hour: what is given back to it is not offered again. */
        WITHDRAWN
    }

    private final SellOrder order;
    private final NodeCalendar node;
    private final HourlyTally sold = new HourlyTally();
    private Standing standing = Standing.IN_BOOK;

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

    Standing standing() {
        return standing;
    }

    void standing(Standing standing) {
        this.standing = standing;
    }

    /** GPUs of this sell not yet sold in any hour of {@code span}; the node may allow fewer. */
    long unsold(HourSpan span) {
        return order.gpuCount() - sold.max(span);
    }

    /** The most GPUs sold in any hour of {@code span}. */
    long mostSold(HourSpan span) {
        return sold.max(span);
    }

    /** Adds {@code gpus} sold over {@code span}; a negative number gives them back. */
    void sell(HourSpan span, int gpus) {
        sold.add(span, gpus);
    }

    /** Every GPU sold for every hour: nothing is left to take. */
    boolean soldOut() {
        return sold.min(order.span()) >= order.gpuCount();
    }
}
