package computepool.market.orders;

/**
 * The spot price of a GPU model in one hour: the average clearing price of the spot GPUs held then, weighted by GPUs.
 *
 * @param hour whole hours since the Unix epoch
 */
public record SpotIndexPoint(long hour, long priceNanoUsdPerGpuHour, long gpus) {
}
