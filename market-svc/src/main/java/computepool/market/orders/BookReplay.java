package computepool.market.orders;

import computepool.market.domain.NodeStatus;
import computepool.market.matching.BuyOrder;
import computepool.market.matching.MatchingEngine;
import computepool.market.matching.SellOrder;
import computepool.market.matching.TimeInForce;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Rebuilds the book's engine from its log. The engine is deterministic, so replaying the log in sequence order, each
 * step at the hour it was taken, gives back the book exactly.
 */
final class BookReplay {

    /** One entry of the book's log, replayed at its sequence and hour: an order placed or cancelled, a buy given up. */
    private sealed interface Step {
        long sequence();

        long hour();
    }

    private record Placing(long sequence, long hour, StoredOrder order) implements Step {
    }

    private record Cancelling(long sequence, long hour, UUID orderId) implements Step {
    }

    private record GivingUp(long sequence, long hour, UUID buyOrderId) implements Step {
    }

    /** The engine as the log leaves it, the log's last sequence, and how much was replayed. */
    record Replayed(MatchingEngine engine, long lastSequence, int orders, int steps) {
    }

    private BookReplay() {
    }

    /** @param currentHour where an empty log's engine starts */
    static Replayed replay(OrderStore store, long currentHour) {
        List<StoredOrder> orders = store.all();
        Map<UUID, NodeStatus> nodes = store.nodes(orders.stream().flatMap(order -> order.nodeId().stream())
                .distinct().toList());
        List<Step> steps = new ArrayList<>();
        for (StoredOrder order : orders) {
            steps.add(new Placing(order.sequence(), order.placedHour(), order));
            if (order.cancelledSequence().isPresent()) {
                steps.add(new Cancelling(order.cancelledSequence().get(), order.cancelledHour().orElseThrow(),
                        order.id()));
            }
        }
        for (BookChange.Cancellation givenUp : store.reservationCancellations()) {
            steps.add(new GivingUp(givenUp.sequence(), givenUp.hour(), givenUp.orderId()));
        }
        steps.sort(Comparator.comparingLong(Step::sequence));
        MatchingEngine rebuilt = new MatchingEngine(steps.isEmpty() ? currentHour : steps.getFirst().hour());
        long last = 0;
        for (Step step : steps) {
            if (step.hour() > rebuilt.currentHour()) {
                rebuilt.advanceTo(step.hour());
            }
            switch (step) {
                case Cancelling cancelling -> rebuilt.cancel(cancelling.orderId());
                case GivingUp givingUp -> rebuilt.cancelFilled(givingUp.buyOrderId());
                case Placing placing when placing.order().side() == Side.SELL -> {
                    StoredOrder order = placing.order();
                    rebuilt.place(new SellOrder(order.id(), nodes.get(order.nodeId().orElseThrow()).node(),
                            order.gpuModel(), order.gpuCount(), order.startHour(), order.endHour(),
                            order.priceNanoUsd(), order.sequence(), order.resaleOf()));
                }
                case Placing placing -> {
                    StoredOrder order = placing.order();
                    rebuilt.place(new BuyOrder(order.id(), order.gpuModel(), order.gpuCount(), order.startHour(),
                            Math.toIntExact(order.endHour() - order.startHour()), order.priceNanoUsd(),
                            order.latencySensitive(), order.expiresAtHour().<TimeInForce>map(TimeInForce.Standing::new)
                                    .orElseGet(TimeInForce.ImmediateOrCancel::new), order.sequence(), order.spot()));
                }
            }
            last = step.sequence();
        }
        return new Replayed(rebuilt, last, orders.size(), steps.size());
    }
}
