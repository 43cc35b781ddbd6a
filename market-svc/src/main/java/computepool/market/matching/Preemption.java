package computepool.market.matching;

import java.util.UUID;

/**
 * A spot buy that lost its GPUs to a higher bid: it holds them until hour {@code fromHour} begins and not after.
 *
 * @param refundNanoUsd what its hours from {@code fromHour} on would have cost
 */
public record Preemption(UUID buyOrderId, long fromHour, long refundNanoUsd) {
}
