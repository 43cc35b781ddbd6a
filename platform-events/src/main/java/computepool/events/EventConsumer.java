package computepool.events;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Handles one Kafka record for a SmallRye Reactive Messaging {@code @Incoming} method: decodes the envelope, checks
 * that its {@code ce_source} is a producer of the topic ({@link Topics#PRODUCERS}), routes it by {@code ce_type}, and
 * applies its effect once. A record that cannot be decoded, an effect that finds the event
 * malformed ({@link MalformedEventException}), or an effect that still fails after the configured attempts, is
 * parked, like an event from a service that does not publish there, and the returned {@code Uni} succeeds, so the offset moves on and the
 * partition keeps flowing. The {@code Uni} fails only when not even parking works (the database is down): the record
 * is then not acknowledged and is consumed again after the channel restarts.
 */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private final IdempotentConsumer idempotent;
    private final ParkedEvents parked;
    private final EventsConfig.Consumer config;

    EventConsumer(IdempotentConsumer idempotent, ParkedEvents parked, EventsConfig config) {
        this.idempotent = idempotent;
        this.parked = parked;
        this.config = config.consumer();
    }

    /**
     * @param consumerName stable name of this consumer, unique within the service's database
     */
    public Uni<Void> consume(String consumerName, ConsumerRecord<String, byte[]> record, EventHandlers handlers) {
        EventEnvelope event;
        Optional<Function<EventEnvelope, Uni<Void>>> effect;
        try {
            event = EventCodec.decode(record.key(), record.headers(), record.value());
            effect = handlers.effectOf(event);
        } catch (MalformedEventException e) {
            return park(consumerName, record, "undecodable: " + e.getMessage());
        }
        if (!Topics.mayPublish(record.topic(), event.source())) {
            return park(consumerName, record, "ce_source " + event.source() + " does not publish on " + record.topic()
                    + "; its producers are " + Topics.PRODUCERS.get(record.topic()));
        }
        if (effect.isEmpty()) {
            LOG.debugf("%s ignores %s %s", consumerName, event.type(), event.id());
            return Uni.createFrom().voidItem();
        }
        Executor caller = CallerContext.current();
        return attempt(consumerName, event, effect.get(), 1, caller)
                .onFailure().recoverWithUni(failure -> Uni.createFrom().voidItem().emitOn(caller)
                        .chain(() -> park(consumerName, record, failure instanceof MalformedEventException
                                ? "malformed: " + failure.getMessage()
                                : "effect failed " + config.maxAttempts() + " times, last: " + failure)));
    }

    private Uni<Void> attempt(String consumerName, EventEnvelope event, Function<EventEnvelope, Uni<Void>> effect,
                              int attempt, Executor caller) {
        return idempotent.applyOnce(consumerName, event, effect)
                .invoke(applied -> {
                    if (!applied) {
                        LOG.debugf("%s already applied %s %s", consumerName, event.type(), event.id());
                    }
                })
                .replaceWithVoid()
                // A malformed event fails the same way every time: it is parked at once.
                .onFailure(failure -> attempt < config.maxAttempts() && !(failure instanceof MalformedEventException))
                .recoverWithUni(failure -> {
                    Duration backoff = backoff(attempt);
                    LOG.warnf("%s failed on %s %s (attempt %d of %d), retrying in %s: %s", consumerName, event.type(),
                            event.id(), attempt, config.maxAttempts(), backoff, failure);
                    return Uni.createFrom().voidItem().onItem().delayIt().by(backoff)
                            .emitOn(caller)
                            .chain(() -> attempt(consumerName, event, effect, attempt + 1, caller));
                });
    }

    private Duration backoff(int attempt) {
        Duration backoff = config.initialBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        return backoff.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : backoff;
    }

    private Uni<Void> park(String consumerName, ConsumerRecord<String, byte[]> record, String reason) {
        LOG.errorf("%s parks %s-%d@%d: %s", consumerName, record.topic(), record.partition(), record.offset(), reason);
        return parked.park(consumerName, record, reason);
    }
}
