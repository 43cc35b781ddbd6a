package computepool.payment.webhooks;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The queue of webhook deliveries. */
@ApplicationScoped
public class WebhookDeliveries {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** An event for the endpoints of one owner that subscribed to its type. */
    public record Event(String ownerId, String eventId, String eventType, String payload) {
    }

    public record Due(UUID id, String ownerId, String url, String signingSecret, String eventId, String eventType,
            String payload, int attempts) {
    }

    private final Pool database;

    public WebhookDeliveries(Pool database) {
        this.database = database;
    }

    /** Enqueues the events, inside the caller's transaction on {@code connection}; one delivery per endpoint and event. */
    public Uni<Void> enqueue(SqlConnection connection, List<Event> events, Instant now) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Event event : events) {
            chain = chain.chain(() -> connection.preparedQuery("""
                            insert into webhook_delivery (id, webhook_id, event_id, event_type, payload, next_attempt_at,
                                                          created_at)
                            select gen_random_uuid(), w.id, $2, $3, $4, $5, $5
                            from webhook w join webhook_event e on e.webhook_id = w.id and e.event = $3
                            where w.owner_id = $1
                            on conflict (webhook_id, event_id) do nothing""")
                    .execute(Tuple.of(event.ownerId(), event.eventId(), event.eventType(), event.payload(), utc(now)))
                    .replaceWithVoid());
        }
        return chain;
    }

    /** Up to {@code limit} deliveries due by {@code now}, oldest first, of owners other than {@code skippedOwners}. */
    public List<Due> due(Instant now, int limit, Set<String> skippedOwners) {
        List<Due> due = new ArrayList<>();
        database.preparedQuery("""
                        select d.id, w.owner_id, w.url, w.signing_secret, d.event_id, d.event_type, d.payload, d.attempts
                        from webhook_delivery d join webhook w on w.id = d.webhook_id
                        where d.delivered_at is null and d.abandoned_at is null and d.next_attempt_at <= $1
                          and w.owner_id <> all($3)
                        order by d.next_attempt_at limit $2""")
                .execute(Tuple.of(utc(now), limit, skippedOwners.toArray(String[]::new))).await().atMost(TIMEOUT)
                .forEach(row -> due.add(new Due(row.getUUID("id"), row.getString("owner_id"), row.getString("url"),
                        row.getString("signing_secret"), row.getString("event_id"), row.getString("event_type"),
                        row.getString("payload"), row.getInteger("attempts"))));
        return due;
    }

    public void delivered(UUID id, int status, Instant now) {
        database.preparedQuery("""
                        update webhook_delivery set attempts = attempts + 1, last_status = $2, last_error = null,
                               delivered_at = $3 where id = $1""")
                .execute(Tuple.of(id, status, utc(now))).await().atMost(TIMEOUT);
    }

    /** A failed attempt: tried again at {@code next}, or abandoned when there is none. */
    public void failed(UUID id, Integer status, String error, Instant now, Instant next, boolean abandon) {
        database.preparedQuery("""
                        update webhook_delivery set attempts = attempts + 1, last_status = $2, last_error = $3,
                               next_attempt_at = $4, abandoned_at = $5 where id = $1""")
                .execute(Tuple.of(id, status, error, utc(next), abandon ? utc(now) : null)).await().atMost(TIMEOUT);
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
