package computepool.market.orders;

import computepool.market.domain.NodeStatus;
import computepool.market.matching.BuyOrder;
import computepool.market.matching.Execution;
import computepool.market.matching.Fill;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * How the book's decisions read as records and as answers: the engine's executions as stored fills and reservations
 * (with buyers, sellers and nodes read at once), and orders and reservations as their owners see them.
 */
final class BookRecords {

    private final OrderStore store;

    BookRecords(OrderStore store) {
        this.store = store;
    }

    /**
     * The fills and reservations of these executions: their buyers, sellers and nodes read at once.
     *
     * @param placedNow owners of orders placed by this request, not yet written
     */
    List<BookChange.Filled> filled(List<Execution> executions, Map<UUID, String> placedNow, Instant now) {
        if (executions.isEmpty()) {
            return List.of();
        }
        List<UUID> orders = executions.stream().flatMap(execution -> Stream.concat(Stream.of(execution.buy().id()),
                execution.fills().stream().map(Fill::sellOrderId))).distinct().toList();
        Map<UUID, String> owners = new HashMap<>(store.owners(orders));
        owners.putAll(placedNow);
        Map<UUID, NodeStatus> nodes = store.nodes(executions.stream()
                .flatMap(execution -> execution.fills().stream().map(Fill::nodeId)).distinct().toList());
        List<BookChange.Filled> filled = new ArrayList<>(executions.size());
        for (Execution execution : executions) {
            List<StoredFill> fills = execution.fills().stream().map(fill -> new StoredFill(fill.sellOrderId(),
                    nodes.get(fill.nodeId()).node().operatorId(), owners.get(fill.sellOrderId()), fill.nodeId(),
                    fill.gpuCount(), fill.span().start(), fill.span().end(), fill.priceNanoUsdPerGpuHour(),
                    fill.costNanoUsd())).toList();
            BuyOrder buy = execution.buy();
            filled.add(new BookChange.Filled(buy.id(), owners.get(buy.id()), UUID.randomUUID(), buy.gpuModel(),
                    buy.gpuCount(), buy.startHour(), buy.startHour() + buy.hours(), execution.costNanoUsd(),
                    buy.spot(), fills, now));
        }
        return filled;
    }

    StoredReservation reservationOf(String buyerId, UUID reservationId) {
        return store.reservation(reservationId).filter(found -> found.buyerId().equals(buyerId))
                .orElseThrow(() -> new OrderNotFound("no reservation " + reservationId));
    }

    /** The order as its owner sees it; a filled buy with its fills and reservation. */
    OrderView view(StoredOrder order, Optional<BookChange.Filled> justFilled) {
        if (order.side() == Side.BUY && order.state() == OrderState.FILLED) {
            List<StoredFill> fills = justFilled.map(BookChange.Filled::fills)
                    .orElseGet(() -> store.fillsOf(order.id()));
            Optional<UUID> reservation = justFilled.map(BookChange.Filled::reservationId)
                    .or(() -> Optional.ofNullable(store.reservationsByBuy(List.of(order.id())).get(order.id()))
                            .map(StoredReservation::id));
            return OrderView.of(order, fills, reservation);
        }
        return OrderView.of(order, List.of(), Optional.empty());
    }

    /** The reservation as its buyer sees it at {@code currentHour}. */
    ReservationView view(StoredReservation reservation, long currentHour) {
        return ReservationView.of(reservation, store.fillsOf(reservation.buyOrderId()), currentHour);
    }
}
