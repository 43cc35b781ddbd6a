package computepool.events;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The relay's Kafka producer: idempotent, {@code acks=all}, configured from the service's {@code kafka.*} properties
 * and created on first use, so a service whose relay is disabled never connects.
 */
@ApplicationScoped
class RelayProducer {

    private static final Logger LOG = Logger.getLogger(RelayProducer.class);

    private final Map<String, Object> kafkaConfig;
    private KafkaProducer<String, byte[]> producer;

    RelayProducer(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.kafkaConfig = kafkaConfig;
    }

    /**
     * Sends the batch in order and waits for every acknowledgement.
     *
     * @return the ids of the longest prefix of the batch that the broker acknowledged; marking only that prefix keeps
     *         each key's events in order when a send in the middle fails
     */
    Uni<List<UUID>> send(List<PendingEvent> batch) {
        // send() blocks while it waits for topic metadata, so it must not run on the event loop.
        return Uni.createFrom().item(() -> sendAll(batch))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(acks -> Uni.createFrom().completionStage(
                        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                                .handle((ignored, failure) -> ackedPrefix(batch, acks))));
    }

    private List<CompletableFuture<Void>> sendAll(List<PendingEvent> batch) {
        KafkaProducer<String, byte[]> kafka = producer();
        List<CompletableFuture<Void>> acks = new ArrayList<>(batch.size());
        for (PendingEvent pending : batch) {
            CompletableFuture<Void> ack = new CompletableFuture<>();
            try {
                kafka.send(EventCodec.toProducerRecord(pending.topic(), pending.event()), (metadata, failure) -> {
                    if (failure == null) {
                        ack.complete(null);
                    } else {
                        ack.completeExceptionally(failure);
                    }
                });
            } catch (RuntimeException e) {
                ack.completeExceptionally(e);
            }
            acks.add(ack);
        }
        return acks;
    }

    private static List<UUID> ackedPrefix(List<PendingEvent> batch, List<CompletableFuture<Void>> acks) {
        List<UUID> acked = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            CompletableFuture<Void> ack = acks.get(i);
            if (ack.isCompletedExceptionally()) {
                EventEnvelope event = batch.get(i).event();
                LOG.errorf(ack.exceptionNow(), "Kafka did not acknowledge event %s (%s) on topic %s; it and the "
                        + "events after it stay in the outbox", event.id(), event.type(), batch.get(i).topic());
                break;
            }
            acked.add(batch.get(i).event().id());
        }
        return acked;
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        // Consumer settings shared through kafka.* mean nothing to a producer and only earn warnings.
        config.remove("group.id");
        // Bounded so that a broker outage releases the outbox rows within seconds, not minutes.
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "outbox-relay");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return config;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close();
        }
    }
}
