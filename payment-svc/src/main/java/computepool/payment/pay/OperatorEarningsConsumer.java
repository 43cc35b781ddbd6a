package computepool.payment.pay;

import computepool.billing.v1.OperatorEarned;
import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.events.MalformedEventException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Records each operator earning billing announces, once; the first earning on a model opens its coalition, whose
 * first epoch to settle is the one the earning arrived in.
 */
@ApplicationScoped
public class OperatorEarningsConsumer {

    static final String CHANNEL = "billing-events";
    static final String CONSUMER_NAME = "payment-operator-earnings";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public OperatorEarningsConsumer(EventConsumer consumer, PayConfig config, Clock clock) {
        this.consumer = consumer;
        this.handlers = EventHandlers.of(OperatorEarned.getDefaultInstance(), (event, earned) -> {
            if (earned.getAmountNanoUsd() <= 0 || earned.getModelId().isBlank() || earned.getOperatorId().isBlank()) {
                return Uni.createFrom().failure(new MalformedEventException("OperatorEarned " + earned.getEarningId()
                        + " needs an operator, a model and a positive amount"));
            }
            UUID earningId;
            try {
                earningId = UUID.fromString(earned.getEarningId());
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().failure(new MalformedEventException("earning_id is not a UUID: "
                        + earned.getEarningId()));
            }
            Instant now = clock.instant();
            long epoch = Epochs.of(now, config.epochLength());
            return Panache.getSession().chain(session -> session.createNativeQuery("""
                            insert into operator_earning (earning_id, operator_id, model_id, amount_nano_usd, occurred_at,
                                                          received_at)
                            values (?1, ?2, ?3, ?4, ?5, ?6) on conflict (earning_id) do nothing""")
                    .setParameter(1, earningId)
                    .setParameter(2, earned.getOperatorId())
                    .setParameter(3, earned.getModelId())
                    .setParameter(4, earned.getAmountNanoUsd())
                    .setParameter(5, OffsetDateTime.ofInstant(Instant.ofEpochSecond(earned.getOccurredAt().getSeconds(),
                            earned.getOccurredAt().getNanos()), ZoneOffset.UTC))
                    .setParameter(6, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                    .executeUpdate()
                    .chain(() -> session.createNativeQuery("""
                                    insert into coalition (model_id, settled_epoch) values (?1, ?2)
                                    on conflict (model_id) do nothing""")
                            .setParameter(1, earned.getModelId())
                            .setParameter(2, epoch - 1)
                            .executeUpdate()))
                    .replaceWithVoid();
        });
    }

    @Incoming(CHANNEL)
    public Uni<Void> onBillingEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }
}
