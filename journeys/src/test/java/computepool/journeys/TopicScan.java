package computepool.journeys;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic from its start, outside any consumer group. */
final class TopicScan {

    private TopicScan() {
    }

    /** Reads the topic again and again until {@code find} answers, or the limit passes. */
    static <T> T scan(Map<String, Object> kafka, String topic, Duration limit,
            Function<List<ConsumerRecord<String, byte[]>>, Optional<T>> find) {
        Instant deadline = Instant.now().plus(limit);
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            while (Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(500)).forEach(seen::add);
                Optional<T> found = find.apply(seen);
                if (found.isPresent()) {
                    return found.get();
                }
            }
            throw new AssertionError("not found on topic " + topic + " within " + limit + " (" + seen.size()
                    + " records read)");
        }
    }
}
