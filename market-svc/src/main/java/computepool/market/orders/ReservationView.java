package computepool.market.orders;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A reservation as its buyer sees it.
 *
 * @param kind          {@code reserved}, or {@code spot}: preempted when a higher bid needs its GPUs
 * @param state         {@code upcoming}, {@code active}, {@code ended}, {@code cancelled} (given up by its buyer) or
 *                      {@code preempted}
 * @param heldUntil     when it stops holding its GPUs: {@code end}, or earlier once cancelled or preempted
 * @param refundNanoUsd what of {@code costNanoUsd} is not due: the hours given up, at the prices they were bought at
 */
public record ReservationView(UUID id, UUID buyOrderId, String kind, String state, String gpuModel, int gpuCount,
        Instant start, Instant end, Instant heldUntil, long costNanoUsd, long refundNanoUsd,
        List<OrderView.FillView> fills) {

    static ReservationView of(StoredReservation reservation, List<StoredFill> fills, long currentHour) {
        String state = reservation.endedEarly().map(reason -> reason.name().toLowerCase(Locale.ROOT))
                .orElse(reservation.heldUntilHour() <= currentHour ? "ended"
                        : reservation.startHour() <= currentHour ? "active" : "upcoming");
        return new ReservationView(reservation.id(), reservation.buyOrderId(), reservation.spot() ? "spot" : "reserved",
                state, reservation.gpuModel().name(), reservation.gpuCount(), OrderBook.hourStart(reservation.startHour()),
                OrderBook.hourStart(reservation.endHour()), OrderBook.hourStart(reservation.heldUntilHour()),
                reservation.costNanoUsd(), reservation.refundNanoUsd(), fills.stream().map(OrderView.FillView::of)
                        .toList());
    }
}
