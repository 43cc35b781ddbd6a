package computepool.market.matching;

import static computepool.market.matching.OrderRejected.requireNonNull;

import computepool.market.domain.GpuModel;
import java.util.UUID;

/**
 * A developer's order for {@code gpuCount} cards of one model for every hour of
 * {@code [startHour, startHour + hours)}, paying at most {@code limitPriceNanoUsdPerGpuHour}. It fills whole, in one
 * zone, or not at all.
 *
 * @param startHour        whole hours since the Unix epoch, as in {@link HourSpan}
 * @param latencySensitive work whose nodes talk to each other all the time (training): it runs on cluster nodes only
 * @param sequence         when the order reached the market, as a number that only grows: among resting buys with
 *                         equal limits the lower sequence fills first
 * @param spot             a bid for spare capacity: immediate-or-cancel, every GPU paid at the clearing price (the
 *                         dearest sell the fill needed), and preempted when a higher bid needs its GPUs
 * @throws OrderRejected naming the field at fault
 */
public record BuyOrder(UUID id, GpuModel gpuModel, int gpuCount, long startHour, int hours,
        long limitPriceNanoUsdPerGpuHour, boolean latencySensitive, TimeInForce timeInForce, long sequence,
        boolean spot) {

    public BuyOrder {
        requireNonNull(id, "id");
        requireNonNull(gpuModel, "gpuModel");
        requireNonNull(timeInForce, "timeInForce");
        if (gpuCount < 1) {
            throw new OrderRejected("gpuCount", "must be at least 1");
        }
        if (startHour < 0) {
            throw new OrderRejected("startHour", "must not be before the Unix epoch");
        }
        if (hours < 1) {
            throw new OrderRejected("hours", "must be at least 1");
        }
        if (startHour > Long.MAX_VALUE - hours) {
            throw new OrderRejected("hours", "ends after the last hour the market can count");
        }
        if (limitPriceNanoUsdPerGpuHour < 1) {
            throw new OrderRejected("limitPriceNanoUsdPerGpuHour", "must be at least 1");
        }
        try {
            Math.multiplyExact(Math.multiplyExact(limitPriceNanoUsdPerGpuHour, gpuCount), hours);
        } catch (ArithmeticException e) {
            // Every fill pays at most the limit, so bounding the whole order here keeps each cost exact later.
            throw new OrderRejected("limitPriceNanoUsdPerGpuHour", "times gpuCount and hours exceeds the largest "
                    + "cost in nano-USD the market can hold");
        }
        if (timeInForce instanceof TimeInForce.Standing standing && standing.expiresAtHour() > startHour) {
            throw new OrderRejected("timeInForce.expiresAtHour", "must not be after startHour: a buy cannot use "
                    + "hours that have passed");
        }
        if (spot && !(timeInForce instanceof TimeInForce.ImmediateOrCancel)) {
            throw new OrderRejected("timeInForce", "a spot bid is immediate-or-cancel: it takes spare capacity now "
                    + "or nothing");
        }
        if (sequence < 1) {
            throw new OrderRejected("sequence", "must be at least 1");
        }
    }

    public HourSpan span() {
        return new HourSpan(startHour, startHour + hours);
    }
}
