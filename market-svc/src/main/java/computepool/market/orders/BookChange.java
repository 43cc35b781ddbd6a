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
 * state moved (buys it filled, buys that expired meanwhile, resales withdrawn), the cancellations it made, each fill
 * with its reservation, the reservations it ended early, and the events telling the platform.
 */
record BookChange(String idempotencyKey, List<StoredOrder> placed, Map<UUID, OrderState> states,
        List<Cancellation> cancellations, List<Filled> filled, List<ReservationEnd> ends,
        List<Outbox.Entry> events) {

    /** Only states moved: buys that expired while the clock advanced. */
    static BookChange expiries(String idempotencyKey, Map<UUID, OrderState> states) {
        return new BookChange(idempotencyKey, List.of(), states, List.of(), List.of(), List.of(), List.of());
    }

    BookChange withEvents(List<Outbox.Entry> replaced) {
        return new BookChange(idempotencyKey, placed, states, cancellations, filled, ends, replaced);
    }

    /** An order its owner cancelled, or a silent node's sell withdrawn, at this point of the log. */
    record Cancellation(UUID orderId, long sequence, long hour) {
    }

    /** A buy filled whole, and the reservation that now holds its GPUs. */
    record Filled(UUID buyOrderId, String buyerId, UUID reservationId, GpuModel gpuModel, int gpuCount,
            long startHour, long endHour, long costNanoUsd, boolean spot, List<StoredFill> fills, Instant at) {
    }

    /**
     * A reservation that stops holding its GPUs at {@code heldUntilHour}, before its end.
     *
     * @param cancelled for a reservation its buyer gave up: the point of the log where it did, to be replayed there
     */
    record ReservationEnd(UUID buyOrderId, long heldUntilHour, StoredReservation.EndedEarly reason,
            long refundNanoUsd, Optional<Cancellation> cancelled) {
    }
}
