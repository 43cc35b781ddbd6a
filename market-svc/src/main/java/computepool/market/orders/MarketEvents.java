package computepool.market.orders;

import com.google.protobuf.Timestamp;
import computepool.market.v1.BuyClosed;
import computepool.market.v1.FillLine;
import computepool.market.v1.OrderFilled;
import computepool.market.v1.OrderPlaced;
import computepool.market.v1.ReservationEnded;
import computepool.market.v1.ReservationKind;
import computepool.market.v1.ReservationStarted;
import computepool.market.v1.SpotPreempted;
import java.time.Instant;
import java.util.UUID;

/** The market topic's events, as the book publishes them: orders placed, filled and closed, reservations' lives. */
final class MarketEvents {

    private MarketEvents() {
    }

    static OrderPlaced placed(StoredOrder order) {
        OrderPlaced.Builder placed = OrderPlaced.newBuilder()
                .setOrderId(order.id().toString())
                .setSide(order.side() == Side.SELL ? OrderPlaced.Side.SELL : OrderPlaced.Side.BUY)
                .setOwnerId(order.ownerId())
                .setGpuModel(order.gpuModel().name())
                .setGpuCount(order.gpuCount())
                .setStartHour(order.startHour())
                .setEndHour(order.endHour())
                .setPriceNanoUsdPerGpuHour(order.priceNanoUsd())
                .setLatencySensitive(order.latencySensitive())
                .setSequence(order.sequence())
                .setPlacedAt(timestamp(order.placedAt()));
        order.nodeId().ifPresent(node -> placed.setNodeId(node.toString()));
        order.resaleOf().ifPresent(resold -> placed.setResaleOfOrderId(resold.toString()));
        return placed.setSpot(order.spot()).build();
    }

    static OrderFilled filled(BookChange.Filled filled) {
        OrderFilled.Builder event = OrderFilled.newBuilder()
                .setBuyOrderId(filled.buyOrderId().toString())
                .setBuyerId(filled.buyerId())
                .setReservationId(filled.reservationId().toString())
                .setCostNanoUsd(filled.costNanoUsd())
                .setFilledAt(timestamp(filled.at()));
        for (StoredFill fill : filled.fills()) {
            event.addFills(FillLine.newBuilder()
                    .setSellOrderId(fill.sellOrderId().toString())
                    .setOperatorId(fill.operatorId())
                    .setSellerId(fill.sellerId())
                    .setNodeId(fill.nodeId().toString())
                    .setGpuModel(filled.gpuModel().name())
                    .setGpuCount(fill.gpuCount())
                    .setStartHour(fill.startHour())
                    .setEndHour(fill.endHour())
                    .setPriceNanoUsdPerGpuHour(fill.priceNanoUsd())
                    .setCostNanoUsd(fill.costNanoUsd()));
        }
        return event.build();
    }

    static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    /** A buy that left the book without a reservation: what its buyer held for it is free again. */
    static BuyClosed buyClosed(UUID buyOrderId, String buyerId, BuyClosed.Reason reason, Instant at) {
        return BuyClosed.newBuilder()
                .setBuyOrderId(buyOrderId.toString())
                .setBuyerId(buyerId)
                .setReason(reason)
                .setClosedAt(timestamp(at))
                .build();
    }

    static SpotPreempted preempted(StoredReservation spot, UUID byOrderId, Instant noticedAt, long fromHour,
            long refundNanoUsd) {
        return SpotPreempted.newBuilder()
                .setReservationId(spot.id().toString())
                .setBuyOrderId(spot.buyOrderId().toString())
                .setBuyerId(spot.buyerId())
                .setPreemptedByOrderId(byOrderId.toString())
                .setNoticedAt(timestamp(noticedAt))
                .setPreemptAt(timestamp(OrderBook.hourStart(fromHour)))
                .setRefundNanoUsd(refundNanoUsd)
                .build();
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
                .setStartedAt(timestamp(OrderBook.hourStart(reservation.startHour())))
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
                .setEndedAt(timestamp(OrderBook.hourStart(heldUntilHour)))
                .setRefundNanoUsd(refundNanoUsd)
                .setKind(kind(reservation))
                .build();
    }

    private static ReservationKind kind(StoredReservation reservation) {
        return reservation.spot() ? ReservationKind.SPOT : ReservationKind.RESERVED;
    }
}
