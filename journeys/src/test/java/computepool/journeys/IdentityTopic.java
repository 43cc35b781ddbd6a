package computepool.journeys;

import computepool.identity.v1.DeveloperUpdated;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Reads the {@code identity} topic from its start, and puts a record back on it verbatim. */
final class IdentityTopic {

    private static final String TOPIC = "identity";

    /** A plain client's settings, logged in as the broker's administrator. */
    private final Map<String, Object> kafka;

    IdentityTopic(Map<String, Object> kafka) {
        this.kafka = kafka;
    }

    static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    ConsumerRecord<String, byte[]> awaitRecord(String key, String ceType, Duration limit) {
        return scan(limit, records -> records.stream()
                .filter(r -> key.equals(r.key()) && ceType.equals(header(r, "ce_type")))
                .findFirst());
    }

    /** Every {@code DeveloperUpdated} of the developer up to and including the one naming {@code displayName}. */
    List<DeveloperUpdated> updatesUntil(String developerId, String displayName, Duration limit) {
        return scan(limit, records -> {
            List<DeveloperUpdated> updates = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                if (!developerId.equals(record.key())
                        || !"computepool.identity.v1.DeveloperUpdated".equals(header(record, "ce_type"))) {
                    continue;
                }
                DeveloperUpdated update = parse(record.value());
                updates.add(update);
                if (update.getDisplayName().equals(displayName)) {
                    return Optional.of(updates);
                }
            }
            return Optional.empty();
        });
    }

    /** Produces the record again with the same key, value and headers: the same {@code ce_id}. */
    RecordMetadata redeliver(ConsumerRecord<String, byte[]> record) throws ExecutionException, InterruptedException {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka, new StringSerializer(),
                new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(record.topic(), record.partition(), record.key(), record.value(),
                    record.headers())).get();
        }
    }

    private <T> T scan(Duration limit, Function<List<ConsumerRecord<String, byte[]>>, Optional<T>> find) {
        return TopicScan.scan(kafka, TOPIC, limit, find);
    }

    private static DeveloperUpdated parse(byte[] value) {
        try {
            return DeveloperUpdated.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("a DeveloperUpdated that does not parse", e);
        }
    }
}
