package computepool.market.matching;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;

/**
 * The sells a buy takes and how many GPUs from each, found by walking each zone's sells from the best (cheapest,
 * then earliest) and stopping at the first sell with which one pool of nodes can hold the whole buy.
 *
 * <p>A pool is either all cluster nodes of a zone, which may share a buy, or one federated node alone: work spread
 * over nodes joined only by a VPN would spend its time waiting on it. Latency-sensitive buys use cluster pools only.
 * Within a pool each sell gives all it can, in priority order, so the buy gets the cheapest GPUs there; across pools
 * and zones, the pool completed by the best-ranked sell wins. So no sell is passed over for one ranked below it,
 * unless taking it could not have completed the buy in its pool.
 *
 * @param last  the sell that completed the buy: the worst-ranked one taken
 * @param takes cheapest first
 */
record Allocation(RestingSell last, List<Take> takes) {

    record Take(RestingSell sell, int gpus) {
    }

    /** @param zones the book of the buy's GPU model, one sell set per zone, each in {@link RestingSell#PRIORITY} */
    static Optional<Allocation> find(BuyOrder buy, Collection<NavigableSet<RestingSell>> zones) {
        Allocation best = null;
        for (NavigableSet<RestingSell> zone : zones) {
            Allocation found = inZone(buy, zone, best == null ? null : best.last);
            if (found != null) {
                best = found;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The first completion in {@code zone} ranked before {@code mustBeat}, or null. */
    private static Allocation inZone(BuyOrder buy, NavigableSet<RestingSell> zone, RestingSell mustBeat) {
        HourSpan span = buy.span();
        Pool clusterPool = new Pool();
        Map<NodeCalendar, Pool> federatedPools = new HashMap<>();
        Map<NodeCalendar, Long> nodeSpare = new HashMap<>();
        for (RestingSell sell : zone) {
            if (sell.order().minPriceNanoUsdPerGpuHour() > buy.limitPriceNanoUsdPerGpuHour()
                    || mustBeat != null && RestingSell.PRIORITY.compare(sell, mustBeat) >= 0) {
                break;
            }
            NodeCalendar node = sell.node();
            if (!sell.order().span().contains(span) || buy.latencySensitive() && !node.cluster()) {
                continue;
            }
            // A resale offers GPUs its seller holds already: the node has counted them.
            long spare = sell.order().resale() ? sell.unsold(span) : Math.min(sell.unsold(span),
                    nodeSpare.computeIfAbsent(node, n -> n.spareCards(buy.gpuModel(), span)));
            if (spare <= 0) {
                continue;
            }
            Pool pool = node.cluster() ? clusterPool : federatedPools.computeIfAbsent(node, n -> new Pool());
            int gpus = (int) Math.min(spare, buy.gpuCount() - pool.gpus);
            pool.takes.add(new Take(sell, gpus));
            pool.gpus += gpus;
            if (!sell.order().resale()) {
                nodeSpare.merge(node, (long) -gpus, Long::sum);
            }
            if (pool.gpus == buy.gpuCount()) {
                return new Allocation(sell, List.copyOf(pool.takes));
            }
        }
        return null;
    }

    private static final class Pool {

        final List<Take> takes = new ArrayList<>();
        int gpus;
    }
}
