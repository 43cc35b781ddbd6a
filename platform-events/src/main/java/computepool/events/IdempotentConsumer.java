package computepool.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.function.Function;

/**
 * Applies an event's effect at most once per consumer: the consumer's record of the {@code ce_id} and the effect
 * commit in the same transaction, so a redelivered event is recognised and skipped.
 */
@ApplicationScoped
public class IdempotentConsumer {

    private static final String REMEMBER = """
            insert into processed_event (consumer, ce_id, ce_type)
            values (:consumer, :id, :type)
            on conflict do nothing
            """;

    /**
     * Runs {@code effect} in a transaction (joining the current one, if any) unless {@code consumerName} has already
     * applied {@code event}. The effect's database work must go through the same Hibernate Reactive session
     * (Panache entities and repositories do), or it is not atomic with the record.
     *
     * @param consumerName stable name of the consuming component, e.g. {@code billing-usage}; renaming it makes
     *                     every event look new again
     * @return whether the effect ran
     */
    public Uni<Boolean> applyOnce(String consumerName, EventEnvelope event, Function<EventEnvelope, Uni<Void>> effect) {
        return Panache.withTransaction(() -> remember(consumerName, event)
                .chain(inserted -> inserted == 1
                        ? effect.apply(event).replaceWith(Boolean.TRUE)
                        : Uni.createFrom().item(Boolean.FALSE)));
    }

    private static Uni<Integer> remember(String consumerName, EventEnvelope event) {
        return Panache.getSession().chain(session -> session.createNativeQuery(REMEMBER)
                .setParameter("consumer", consumerName)
                .setParameter("id", event.id())
                .setParameter("type", event.type())
                .executeUpdate());
    }
}
