package computepool.billing.events;

import com.google.protobuf.Timestamp;
import computepool.billing.store.ReservationHoldStore;
import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.events.MalformedEventException;
import computepool.market.v1.BuyClosed;
import computepool.market.v1.OrderFilled;
import computepool.market.v1.OrderPlaced;
import computepool.market.v1.ReservationEnded;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows market buys on the market topic and keeps their reservation holds to what each buy can still cost: the
 * book took the buy (it no longer lapses), it filled (its fill's cost), hours were given up or preempted (refunded
 * out of it), it left the book unfilled (freed). Each change is an assignment, so an event applied twice changes
 * nothing; a buy without a hold (placed before holds existed) is left alone.
 */
@ApplicationScoped
public class MarketEventsConsumer {

    static final String CHANNEL = "market-events";
    static final String CONSUMER_NAME = "billing-reservation-holds";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public MarketEventsConsumer(EventConsumer consumer, ReservationHoldStore holds) {
        this.consumer = consumer;
        this.handlers = EventHandlers.builder()
                .on(OrderPlaced.getDefaultInstance(), (event, placed) -> placed.getSide() != OrderPlaced.Side.BUY
                        ? Uni.createFrom().voidItem()
                        : holds.bind(buyOrderId(placed.getOrderId(), "OrderPlaced.order_id")).replaceWithVoid())
                .on(OrderFilled.getDefaultInstance(), (event, filled) -> {
                    if (filled.getCostNanoUsd() < 0) {
                        return Uni.createFrom().failure(new MalformedEventException("OrderFilled "
                                + filled.getBuyOrderId() + ": cost_nano_usd must not be negative"));
                    }
                    return holds.filled(buyOrderId(filled.getBuyOrderId(), "OrderFilled.buy_order_id"),
                            filled.getCostNanoUsd()).replaceWithVoid();
                })
                .on(ReservationEnded.getDefaultInstance(), (event, ended) -> {
                    if (ended.getRefundNanoUsd() < 0) {
                        return Uni.createFrom().failure(new MalformedEventException("ReservationEnded "
                                + ended.getReservationId() + ": refund_nano_usd must not be negative"));
                    }
                    // A reservation that ran its course refunds nothing; its last periods draw the rest.
                    return ended.getRefundNanoUsd() == 0 ? Uni.createFrom().voidItem()
                            : holds.refunded(buyOrderId(ended.getBuyOrderId(), "ReservationEnded.buy_order_id"),
                                    ended.getRefundNanoUsd()).replaceWithVoid();
                })
                .on(BuyClosed.getDefaultInstance(), (event, closed) -> holds.close(
                        buyOrderId(closed.getBuyOrderId(), "BuyClosed.buy_order_id"), closed.getReason().name(),
                        instant(closed.getClosedAt())).replaceWithVoid())
                .build();
        consumer.register(CONSUMER_NAME, handlers);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onMarketEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }

    private static UUID buyOrderId(String value, String field) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException(field + " must be a UUID, not '" + value + "'", e);
        }
    }

    private static Instant instant(Timestamp at) {
        return Instant.ofEpochSecond(at.getSeconds(), at.getNanos());
    }
}
