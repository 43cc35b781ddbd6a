package computepool.events;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * Handles one Kafka record for a SmallRye Reactive Messaging {@code @Incoming} method: decodes the envelope, checks
 * that its {@code ce_source} is a producer of the topic ({@link Topics#PRODUCERS}), routes it by {@code ce_type}, and
 * applies its effect once. An effect that fails is retried with backoff for up to
 * {@link EventsConfig.Consumer#retryHorizon()} while the partition waits (so each aggregate's events keep their
 * order, and {@link ConsumerRetries} reports the wait); then its record is parked. A record that cannot be decoded,
 * comes from a service that does not publish there, or whose effect finds it malformed
 * ({@link MalformedEventException}) is parked at once. Parking is retried until it works, so the returned
 * {@code Uni} never fails and the channel never stops: the offset moves on once the record is applied or parked.
 * A parked record can be replayed ({@link #replay}) once its cause is fixed.
 */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private final IdempotentConsumer idempotent;
    private final ParkedEvents parked;
    private final ConsumerRetries retries;
    private final ParkedEventsGauge gauge;
    private final EventsConfig.Consumer config;
    private final Map<String, EventHandlers> handlersByConsumer = new ConcurrentHashMap<>();

    EventConsumer(IdempotentConsumer idempotent, ParkedEvents parked, ConsumerRetries retries,
            ParkedEventsGauge gauge, EventsConfig config) {
        this.idempotent = idempotent;
        this.parked = parked;
        this.retries = retries;
        this.gauge = gauge;
        this.config = config.consumer();
    }

    /** What replaying one parked record did. */
    public enum Outcome {
        /** Its effect ran now. */
        APPLIED,
        /** Its effect had run before (a replay before, or the record was delivered again): nothing ran. */
        ALREADY_APPLIED,
        /** Its consumer has no handler for its type. */
        IGNORED,
        /** It still cannot be applied: still undecodable, malformed, from a stranger, or its effect fails. */
        FAILED
    }

    /**
     * Makes the consumer's handlers known before any record arrives, so that its parked records can be replayed
     * right after a restart.
     */
    public void register(String consumerName, EventHandlers handlers) {
        handlersByConsumer.put(consumerName, handlers);
        gauge.track(consumerName);
    }

    /** Whether this service runs the consumer: only its parked records can be replayed here. */
    public boolean runs(String consumerName) {
        return handlersByConsumer.containsKey(consumerName);
    }

    /**
     * @param consumerName stable name of this consumer, unique within the service's database
     */
    public Uni<Void> consume(String consumerName, ConsumerRecord<String, byte[]> record, EventHandlers handlers) {
        if (handlersByConsumer.putIfAbsent(consumerName, handlers) == null) {
            gauge.track(consumerName);
        }
        Checked checked = check(record.topic(), record.key(), record.headers(), record.value(), handlers);
        if (checked.refused() != null) {
            return park(consumerName, record, checked.refused());
        }
        if (checked.effect().isEmpty()) {
            LOG.debugf("%s ignores %s %s", consumerName, checked.event().type(), checked.event().id());
            return Uni.createFrom().voidItem();
        }
        EventEnvelope event = checked.event();
        Executor caller = CallerContext.current();
        Instant since = Instant.now();
        return attempt(consumerName, event, checked.effect().get(), 1, since, caller)
                .eventually(() -> retries.ended(consumerName, event.id().toString()))
                .onFailure().recoverWithUni(failure -> Uni.createFrom().voidItem().emitOn(caller)
                        .chain(() -> park(consumerName, record, failure instanceof MalformedEventException
                                ? "malformed: " + failure.getMessage()
                                : "effect failed for " + Duration.between(since, Instant.now()).toSeconds()
                                        + " s (retry horizon " + config.retryHorizon() + "), last: " + failure)));
    }

    /**
     * Applies a parked record as its consumer would have, once: the effect's record of the {@code ce_id} makes a
     * second replay, or a replay of a record applied meanwhile, {@link Outcome#ALREADY_APPLIED}. Nothing is retried:
     * a failure is the outcome, with its reason.
     */
    Uni<Replayed> replay(ParkedEvents.Parked record) {
        EventHandlers handlers = handlersByConsumer.get(record.consumer());
        if (handlers == null) {
            return Uni.createFrom().item(new Replayed(Outcome.FAILED, "consumer " + record.consumer()
                    + " does not run in this service"));
        }
        if (record.headers().isEmpty()) {
            return Uni.createFrom().item(new Replayed(Outcome.FAILED, "parked before its headers were kept"));
        }
        Checked checked = check(record.topic(), record.key(), record.headers().get(), record.payload(), handlers);
        if (checked.refused() != null) {
            return Uni.createFrom().item(new Replayed(Outcome.FAILED, checked.refused()));
        }
        if (checked.effect().isEmpty()) {
            return Uni.createFrom().item(new Replayed(Outcome.IGNORED, record.consumer() + " has no handler for "
                    + checked.event().type()));
        }
        return idempotent.applyOnce(record.consumer(), checked.event(), checked.effect().get())
                .map(applied -> new Replayed(applied ? Outcome.APPLIED : Outcome.ALREADY_APPLIED, null))
                .onFailure().recoverWithItem(failure -> new Replayed(Outcome.FAILED, String.valueOf(failure)));
    }

    /** What a replay did, and why when it did not apply. */
    record Replayed(Outcome outcome, String detail) {
    }

    /** A record decoded and routed, or why it is refused. */
    private record Checked(EventEnvelope event, Optional<Function<EventEnvelope, Uni<Void>>> effect, String refused) {
    }

    private static Checked check(String topic, String key, Headers headers, byte[] value, EventHandlers handlers) {
        EventEnvelope event;
        Optional<Function<EventEnvelope, Uni<Void>>> effect;
        try {
            event = EventCodec.decode(key, headers, value);
            effect = handlers.effectOf(event);
        } catch (MalformedEventException e) {
            return new Checked(null, Optional.empty(), "undecodable: " + e.getMessage());
        }
        if (!Topics.mayPublish(topic, event.source())) {
            return new Checked(event, Optional.empty(), "ce_source " + event.source() + " does not publish on "
                    + topic + "; its producers are " + Topics.PRODUCERS.get(topic));
        }
        return new Checked(event, effect, null);
    }

    private Uni<Void> attempt(String consumerName, EventEnvelope event, Function<EventEnvelope, Uni<Void>> effect,
            int attempt, Instant since, Executor caller) {
        return idempotent.applyOnce(consumerName, event, effect)
                .invoke(applied -> {
                    if (!applied) {
                        LOG.debugf("%s already applied %s %s", consumerName, event.type(), event.id());
                    }
                })
                .replaceWithVoid()
                // A malformed event fails the same way every time: it is parked at once.
                .onFailure(failure -> !(failure instanceof MalformedEventException)
                        && Instant.now().plus(backoff(attempt)).isBefore(since.plus(config.retryHorizon())))
                .recoverWithUni(failure -> {
                    Duration backoff = backoff(attempt);
                    retries.failed(consumerName, event.type(), event.id().toString(), since, attempt, failure);
                    LOG.warnf("%s failed on %s %s (attempt %d, retrying for %s s so far), retrying in %s: %s",
                            consumerName, event.type(), event.id(), attempt,
                            Duration.between(since, Instant.now()).toSeconds(), backoff, failure);
                    return Uni.createFrom().voidItem().onItem().delayIt().by(backoff)
                            .emitOn(caller)
                            .chain(() -> attempt(consumerName, event, effect, attempt + 1, since, caller));
                });
    }

    private Duration backoff(int attempt) {
        Duration backoff = config.initialBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        return backoff.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : backoff;
    }

    /** Parks the record; until its database takes it, the partition waits on it rather than the channel stopping. */
    private Uni<Void> park(String consumerName, ConsumerRecord<String, byte[]> record, String reason) {
        LOG.errorf("%s parks %s-%d@%d (%s): %s", consumerName, record.topic(), record.partition(), record.offset(),
                ParkedEvents.header(record.headers(), EventCodec.HEADER_TYPE), reason);
        Executor caller = CallerContext.current();
        return parkUntilParked(consumerName, record, reason, 1, Instant.now(), caller);
    }

    private Uni<Void> parkUntilParked(String consumerName, ConsumerRecord<String, byte[]> record, String reason,
            int attempt, Instant since, Executor caller) {
        String what = record.topic() + "-" + record.partition() + "@" + record.offset();
        return parked.park(consumerName, record, reason)
                .invoke(parkedNow -> {
                    retries.ended(consumerName, what);
                    if (parkedNow) {
                        gauge.parked(consumerName);
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    Duration backoff = backoff(attempt);
                    retries.failed(consumerName, "parking", what, since, attempt, failure);
                    LOG.errorf("%s could not park %s (attempt %d), retrying in %s: %s", consumerName, what, attempt,
                            backoff, failure);
                    return Uni.createFrom().voidItem().onItem().delayIt().by(backoff).emitOn(caller)
                            .chain(() -> parkUntilParked(consumerName, record, reason, attempt + 1, since, caller));
                });
    }
}
