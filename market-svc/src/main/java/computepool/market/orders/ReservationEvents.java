package computepool.market.orders;

import computepool.market.v1.ReservationEnded;
import computepool.market.v1.ReservationKind;
import computepool.market.v1.ReservationStarted;

/** The events of a reservation's life. */
final class ReservationEvents {

    private ReservationEvents() {
    }

    static ReservationStarted started(StoredReservation reservation) {
        return ReservationStarted.newBuilder()
                .setReservationId(reservation.id().toString())
                .setBuyOrderId(reservation.buyOrderId().toString())
                .setBuyerId(reservation.buyerId())
                .setGpuModel(reservation.gpuModel().name())
                .setGpuCount(reservation.gpuCount())
                .setStartHour(reservation.startHour())
                .setEndHour(reservation.heldUntilHour())
                .setKind(kind(reservation))
                .setStartedAt(OrderBook.timestamp(OrderBook.hourStart(reservation.startHour())))
                .build();
    }

    /** @param heldUntilHour the hour it stops holding its GPUs */
    static ReservationEnded ended(StoredReservation reservation, ReservationEnded.Reason reason, long heldUntilHour,
            long refundNanoUsd) {
        return ReservationEnded.newBuilder()
                .setReservationId(reservation.id().toString())
                .setBuyOrderId(reservation.buyOrderId().toString())
                .setBuyerId(reservation.buyerId())
                .setReason(reason)
                .setEndHour(heldUntilHour)
                .setEndedAt(OrderBook.timestamp(OrderBook.hourStart(heldUntilHour)))
                .setRefundNanoUsd(refundNanoUsd)
                .setKind(kind(reservation))
                .build();
    }

    private static ReservationKind kind(StoredReservation reservation) {
        return reservation.spot() ? ReservationKind.SPOT : ReservationKind.RESERVED;
    }
}
