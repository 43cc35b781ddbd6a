package computepool.events;

import com.google.protobuf.Message;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Appends events to the transactional outbox. The row is written through the caller's Hibernate Reactive session,
 * so it commits or rolls back with the caller's state change; {@link OutboxRelay} publishes it after the commit.
 */
@ApplicationScoped
public class Outbox {

    // Kafka's default max.request.size is 1 MiB; a row the broker refuses would hold up every later row.
    private static final int MAX_PAYLOAD_BYTES = 512 * 1024;

    private static final String INSERT = """
            insert into outbox_event (id, topic, record_key, ce_type, ce_source, ce_time, ce_subject, payload)
            values (:id, :topic, :key, :type, :source, :time, :subject, :payload)
            """;

    private final EventsConfig config;

    Outbox(EventsConfig config) {
        this.config = config;
    }

    /**
     * Same as {@link #append(String, String, String, Message)} without a {@code ce_subject}.
     */
    public Uni<EventEnvelope> append(String topic, String key, Message payload) {
        return append(topic, key, null, payload);
    }

    /**
     * Writes {@code payload} to the outbox inside the current transaction ({@code Panache.withTransaction} or
     * {@code @WithTransaction}); fails with {@link IllegalStateException} when there is none.
     *
     * @param topic   one of {@link Topics}
     * @param key     the aggregate id, used as the Kafka record key
     * @param subject the {@code ce_subject}, or {@code null}
     * @return the event as it will be published
     */
    public Uni<EventEnvelope> append(String topic, String key, String subject, Message payload) {
        return Uni.createFrom().item(() -> envelope(topic, key, subject, payload))
                .chain(event -> Panache.currentTransaction().chain(transaction -> {
                    if (transaction == null) {
                        throw new IllegalStateException("Outbox.append must run inside a transaction "
                                + "(Panache.withTransaction or @WithTransaction), or the event is not atomic with "
                                + "the state change");
                    }
                    return insert(event, topic);
                }).replaceWith(event));
    }

    /** An event to append: its topic, its key (the aggregate id) and its payload. */
    public record Entry(String topic, String key, Message payload) {
    }

    /**
     * Writes the events through {@code connection}, inside the transaction the caller holds on it: for batch writers
     * that do their database work on the Vert.x SQL client rather than through Hibernate. One statement for all.
     */
    public Uni<List<EventEnvelope>> appendAll(SqlConnection connection, List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        int size = entries.size();
        List<EventEnvelope> events = new ArrayList<>(size);
        UUID[] ids = new UUID[size];
        String[] topics = new String[size];
        String[] keys = new String[size];
        String[] types = new String[size];
        OffsetDateTime[] times = new OffsetDateTime[size];
        Buffer[] payloads = new Buffer[size];
        for (int i = 0; i < size; i++) {
            Entry entry = entries.get(i);
            EventEnvelope event = envelope(entry.topic(), entry.key(), null, entry.payload());
            events.add(event);
            ids[i] = event.id();
            topics[i] = entry.topic();
            keys[i] = event.key();
            types[i] = event.type();
            times[i] = OffsetDateTime.ofInstant(event.time(), ZoneOffset.UTC);
            payloads[i] = Buffer.buffer(event.data().toByteArray());
        }
        // unnest keeps the arrays' order, and the identity column numbers rows in insertion order.
        return connection.preparedQuery("""
                        insert into outbox_event (id, topic, record_key, ce_type, ce_source, ce_time, payload)
                        select id, topic, record_key, ce_type, $7, ce_time, payload
                        from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bytea[])
                             with ordinality as e(id, topic, record_key, ce_type, ce_time, payload, position)
                        order by position""")
                .execute(Tuple.from(new Object[] {ids, topics, keys, types, times, payloads, config.source()}))
                .replaceWith(events);
    }

    private EventEnvelope envelope(String topic, String key, String subject, Message payload) {
        if (!Topics.ALL.contains(topic)) {
            throw new IllegalArgumentException("unknown topic '" + topic + "', expected one of " + Topics.ALL);
        }
        Objects.requireNonNull(payload, "payload");
        if (payload.getSerializedSize() > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(EventEnvelope.typeOf(payload) + " payload of "
                    + payload.getSerializedSize() + " bytes exceeds " + MAX_PAYLOAD_BYTES);
        }
        return EventEnvelope.create(config.source(), key, subject, payload);
    }

    private static Uni<Integer> insert(EventEnvelope event, String topic) {
        return Panache.getSession().chain(session -> session.createNativeQuery(INSERT)
                .setParameter("id", event.id())
                .setParameter("topic", topic)
                .setParameter("key", event.key())
                .setParameter("type", event.type())
                .setParameter("source", event.source())
                .setParameter("time", OffsetDateTime.ofInstant(event.time(), ZoneOffset.UTC))
                .setParameter("subject", event.subject())
                .setParameter("payload", event.data().toByteArray())
                .executeUpdate());
    }
}
