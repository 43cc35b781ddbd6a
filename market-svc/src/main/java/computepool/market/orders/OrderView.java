package computepool.market.orders;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * An order as its owner sees it. Hours are shown as instants: {@code start} and {@code end} bound the GPU-hours.
 *
 * @param priceNanoUsdPerGpuHour a sell's minimum or a buy's limit
 * @param expiresAt              until when a standing buy rests; null for sells and immediate-or-cancel buys
 * @param reservationId          the reservation of a filled buy
 * @param fills                  where a filled buy's GPUs are, and what each part costs
 * @param spot                   a spot bid, paid at the clearing price and preempted by higher bids
 * @param resaleOf               for a sell reselling reserved hours: the filled buy they belong to
 */
public record OrderView(UUID id, String side, String state, String gpuModel, int gpuCount, Instant start, Instant end,
        long priceNanoUsdPerGpuHour, UUID nodeId, boolean latencySensitive, String timeInForce, Instant expiresAt,
        long sequence, Instant placedAt, UUID reservationId, Long costNanoUsd, List<FillView> fills, boolean spot,
        UUID resaleOf) {

    /** @param sellerId who is paid for these GPUs: the node's operator, or a buyer reselling hours it holds */
    public record FillView(UUID sellOrderId, UUID nodeId, String sellerId, int gpuCount, long priceNanoUsdPerGpuHour,
            long costNanoUsd) {

        static FillView of(StoredFill fill) {
            return new FillView(fill.sellOrderId(), fill.nodeId(), fill.sellerId(), fill.gpuCount(),
                    fill.priceNanoUsd(), fill.costNanoUsd());
        }
    }

    static OrderView of(StoredOrder order, List<StoredFill> fills, Optional<UUID> reservation) {
        String timeInForce = order.side() == Side.SELL ? null
                : order.immediateOrCancel() ? "immediate_or_cancel" : "standing";
        Long cost = fills.isEmpty() ? null : fills.stream().mapToLong(StoredFill::costNanoUsd).reduce(0, Math::addExact);
        return new OrderView(order.id(), order.side().name().toLowerCase(Locale.ROOT),
                order.state().name().toLowerCase(Locale.ROOT), order.gpuModel().name(), order.gpuCount(),
                hour(order.startHour()), hour(order.endHour()), order.priceNanoUsd(), order.nodeId().orElse(null),
                order.latencySensitive(), timeInForce, order.expiresAtHour().map(OrderView::hour).orElse(null),
                order.sequence(), order.placedAt(), reservation.orElse(null), cost,
                fills.stream().map(FillView::of).toList(), order.spot(), order.resaleOf().orElse(null));
    }

    static Instant hour(long hour) {
        return Instant.ofEpochSecond(Math.multiplyExact(hour, OrderBook.SECONDS_PER_HOUR));
    }
}
