package computepool.events;

import com.google.protobuf.ByteString;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The relay's queries on {@code outbox_event}; each runs in the caller's transaction.
 */
@ApplicationScoped
class OutboxStore {

    // Only one replica relays at a time: batches taken in parallel would reorder the events of one key.
    private static final String TRY_LEAD = "select pg_try_advisory_xact_lock(hashtext('computepool.outbox-relay'))";

    // SKIP LOCKED keeps a replica from waiting on, or republishing, rows another one is still sending.
    private static final String LOCK_PENDING = """
            select id, topic, record_key, ce_type, ce_source, ce_time, ce_subject, payload
            from outbox_event
            where published_at is null
            order by seq
            limit :limit
            for update skip locked
            """;

    private static final String MARK_PUBLISHED = "update outbox_event set published_at = now() where id in (:ids)";

    private static final String DELETE_PUBLISHED = "delete from outbox_event where published_at < :cutoff";

    private static final String DELETE_PROCESSED = "delete from processed_event where processed_at < :cutoff";

    Uni<Boolean> tryLead() {
        return Panache.getSession().chain(session -> session.createNativeQuery(TRY_LEAD, Boolean.class).getSingleResult());
    }

    Uni<List<PendingEvent>> lockPending(int limit) {
        return Panache.getSession()
                .chain(session -> session.createNativeQuery(LOCK_PENDING, Object[].class)
                        .setParameter("limit", limit)
                        .getResultList())
                .map(rows -> rows.stream().map(OutboxStore::pendingEvent).toList());
    }

    Uni<Integer> markPublished(List<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(MARK_PUBLISHED)
                .setParameter("ids", ids)
                .executeUpdate());
    }

    Uni<Integer> deletePublishedBefore(Instant cutoff) {
        return deleteBefore(DELETE_PUBLISHED, cutoff);
    }

    Uni<Integer> deleteProcessedBefore(Instant cutoff) {
        return deleteBefore(DELETE_PROCESSED, cutoff);
    }

    private static Uni<Integer> deleteBefore(String statement, Instant cutoff) {
        return Panache.getSession().chain(session -> session.createNativeQuery(statement)
                .setParameter("cutoff", OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC))
                .executeUpdate());
    }

    private static PendingEvent pendingEvent(Object[] row) {
        EventEnvelope event = new EventEnvelope(
                (UUID) row[0],
                (String) row[3],
                (String) row[4],
                ((OffsetDateTime) row[5]).toInstant(),
                (String) row[6],
                (String) row[2],
                ByteString.copyFrom((byte[]) row[7]));
        return new PendingEvent((String) row[1], event);
    }
}
