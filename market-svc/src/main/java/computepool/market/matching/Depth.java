package computepool.market.matching;

import java.util.List;

/**
 * The book for one GPU model and window of hours: what sells offer for every hour of the window, cheapest first, and
 * what resting buys for any of its hours bid, highest first; each level's GPUs at its price.
 *
 * @param asks GPUs a buy of the whole window could take at each price, counting each card once: a node's GPUs shared
 *             by several of its sells go to the cheapest, and no more than its power budget runs are counted
 * @param bids GPUs asked by resting buys whose hours overlap the window, at each limit
 */
public record Depth(List<Level> asks, List<Level> bids) {

    public record Level(long priceNanoUsdPerGpuHour, long gpus) {
    }

    public Depth {
        asks = List.copyOf(asks);
        bids = List.copyOf(bids);
    }
}
