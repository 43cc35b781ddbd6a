package computepool.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/**
 * Records that a consumer gave up on a Kafka record, with the reason and the raw payload, so that nothing is lost
 * silently and the record can be inspected or replayed.
 */
@ApplicationScoped
class ParkedEvents {

    private static final int MAX_REASON_LENGTH = 4000;

    private static final String PARK = """
            insert into parked_event (consumer, topic, kafka_partition, kafka_offset, record_key, ce_id, ce_type,
                                      reason, payload)
            values (:consumer, :topic, :partition, :offset, :key, :id, :type, :reason, :payload)
            on conflict (consumer, topic, kafka_partition, kafka_offset) do nothing
            """;

    Uni<Void> park(String consumerName, ConsumerRecord<String, byte[]> record, String reason) {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session.createNativeQuery(PARK)
                        .setParameter("consumer", consumerName)
                        .setParameter("topic", record.topic())
                        .setParameter("partition", record.partition())
                        .setParameter("offset", record.offset())
                        .setParameter("key", record.key())
                        .setParameter("id", header(record, EventCodec.HEADER_ID))
                        .setParameter("type", header(record, EventCodec.HEADER_TYPE))
                        .setParameter("reason", truncate(reason))
                        .setParameter("payload", record.value())
                        .executeUpdate()))
                .replaceWithVoid();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String truncate(String reason) {
        return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH);
    }
}
