package computepool.market.orders;

import computepool.events.Outbox;
import computepool.market.domain.GpuModel;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything one request did to the book, written in one transaction: the order it placed (if any), orders whose
 * state moved (buys it filled or that expired meanwhile), the cancellation it made (if any), each fill with its
 * reservation, and the events telling the platform.
 */
record BookChange(String idempotencyKey, List<StoredOrder> placed, Map<UUID, OrderState> states,
        Optional<Cancellation> cancellation, List<Filled> filled, List<Outbox.Entry> events) {

    record Cancellation(UUID orderId, long sequence, long hour) {
    }

    /** A buy filled whole, and the reservation that now holds its GPUs. */
    record Filled(UUID buyOrderId, String buyerId, UUID reservationId, GpuModel gpuModel, int gpuCount,
            long startHour, long endHour, long costNanoUsd, List<StoredFill> fills, Instant at) {
    }
}
