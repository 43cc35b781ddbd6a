package computepool.market.matching;

import java.util.ArrayList;
import java.util.List;

/**
 * A filled buy whose hours have not all passed: the sells its GPUs came from, so that hours it gives up (cancelled,
 * or preempted) go back to them.
 *
 * @param sources the sell of each of the execution's fills, in the same order
 */
final class Holding {

    private final Execution execution;
    private final List<RestingSell> sources;
    private final List<RestingSell> resales = new ArrayList<>();
    private long endHour;

    Holding(Execution execution, List<RestingSell> sources) {
        this.execution = execution;
        this.sources = List.copyOf(sources);
        this.endHour = execution.buy().span().end();
    }

    Execution execution() {
        return execution;
    }

    BuyOrder buy() {
        return execution.buy();
    }

    List<RestingSell> sources() {
        return sources;
    }

    /** The hour the buy stops holding its GPUs: its span's end, or earlier once cancelled or preempted. */
    long endHour() {
        return endHour;
    }

    void endAt(long hour) {
        endHour = hour;
    }

    /** The sells that offered, or offer, hours of this buy to other buyers; at most the last is in the book. */
    List<RestingSell> resales() {
        return resales;
    }

    void resold(RestingSell resale) {
        resales.add(resale);
    }

    /** What the hours of {@code span} cost: each fill's GPUs at its price. */
    long costOf(HourSpan span) {
        long cost = 0;
        for (Fill fill : execution.fills()) {
            cost = Math.addExact(cost, Math.multiplyExact(Math.multiplyExact(fill.priceNanoUsdPerGpuHour(),
                    fill.gpuCount()), span.hours()));
        }
        return cost;
    }
}
