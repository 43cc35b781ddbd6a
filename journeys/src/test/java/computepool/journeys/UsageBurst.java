package computepool.journeys;

import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.events.Topics;
import computepool.usage.v1.InferenceUsage;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Usage of one developer, published on the usage topic in bursts as gateways publish it: copies of one real request's
 * usage under new request ids, each charged by billing. What keeps the developer's wallets busy with usage batches
 * while a benchmark measures something else of the same developer.
 */
final class UsageBurst implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong sent = new AtomicLong();

    /** Publishes {@code perBurst} copies of {@code template} every {@code period}, from now until closed. */
    UsageBurst(Map<String, Object> kafka, String key, InferenceUsage template, int perBurst, Duration period) {
        this.producer = new KafkaProducer<>(kafka, new StringSerializer(), new ByteArraySerializer());
        String source = Topics.PRODUCERS.getOrDefault(Topics.USAGE, Set.of()).stream().sorted().findFirst()
                .orElseThrow();
        ticks.scheduleAtFixedRate(() -> {
            for (int i = 0; i < perBurst; i++) {
                InferenceUsage copy = template.toBuilder().setRequestId(UUID.randomUUID().toString().replace("-", ""))
                        .build();
                producer.send(EventCodec.toProducerRecord(Topics.USAGE, EventEnvelope.create(source, key, null, copy)));
                sent.incrementAndGet();
            }
            producer.flush();
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    long sent() {
        return sent.get();
    }

    @Override
    public void close() throws InterruptedException {
        ticks.shutdownNow();
        ticks.awaitTermination(5, TimeUnit.SECONDS);
        producer.close(Duration.ofSeconds(5));
    }
}
