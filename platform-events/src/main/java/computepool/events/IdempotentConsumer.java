package computepool.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
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

    /**
     * Records that {@code consumerName} applies these events, through {@code connection} inside the transaction the
     * caller holds on it, and returns the ids of those it had not applied before: a batch writer applies exactly
     * those in the same transaction. One round trip for the whole batch.
     */
    public static Uni<Set<UUID>> rememberAll(SqlConnection connection, String consumerName,
            List<EventEnvelope> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        UUID[] ids = events.stream().map(EventEnvelope::id).toArray(UUID[]::new);
        String[] types = events.stream().map(EventEnvelope::type).toArray(String[]::new);
        return connection.preparedQuery("""
                        insert into processed_event (consumer, ce_id, ce_type)
                        select $1, id, type from unnest($2::uuid[], $3::text[]) as batch(id, type)
                        on conflict do nothing returning ce_id""")
                .execute(Tuple.of(consumerName, ids, types))
                .map(rows -> {
                    Set<UUID> fresh = new HashSet<>();
                    rows.forEach(row -> fresh.add(row.getUUID(0)));
                    return fresh;
                });
    }

    private static Uni<Integer> remember(String consumerName, EventEnvelope event) {
        return Panache.getSession().chain(session -> session.createNativeQuery(REMEMBER)
                .setParameter("consumer", consumerName)
                .setParameter("id", event.id())
                .setParameter("type", event.type())
                .executeUpdate());
    }
}
