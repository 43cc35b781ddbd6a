package computepool.market.orders;

import computepool.market.domain.GpuModel;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One order as the book's log keeps it.
 *
 * @param requestHash     what its idempotency key stands for: a repeat with another request is refused
 * @param priceNanoUsd    a sell's minimum or a buy's limit, per GPU-hour
 * @param nodeId          the node a sell offers; empty for a buy
 * @param expiresAtHour   until when a standing buy rests; empty for sells and immediate-or-cancel buys
 * @param placedHour      the book's hour when it was placed: replay advances the book to it first
 * @param cancelledSequence the point in the log at which its owner cancelled it
 * @param spot            a spot bid
 * @param resaleOf        for a sell reselling hours a buyer holds: the filled buy they belong to
 */
public record StoredOrder(UUID id, long sequence, Side side, String ownerId, String requestHash, GpuModel gpuModel,
        int gpuCount, long startHour, long endHour, long priceNanoUsd, Optional<UUID> nodeId, boolean latencySensitive,
        Optional<Long> expiresAtHour, boolean immediateOrCancel, long placedHour, Instant placedAt, OrderState state,
        Optional<Long> cancelledSequence, Optional<Long> cancelledHour, boolean spot, Optional<UUID> resaleOf) {
}
