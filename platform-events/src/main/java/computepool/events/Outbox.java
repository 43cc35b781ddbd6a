package computepool.events;

import com.google.protobuf.Message;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;

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
