package computepool.shard.announce;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.events.Topics;
import computepool.shard.config.ShardConfig;
import computepool.shard.domain.ShardAssignment;
import computepool.shard.engine.ShardEngine;
import computepool.shard.session.KvSessions;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerCapacity;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerLoad;
import computepool.workers.v1.WorkerWithdrawn;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.HttpServerStart;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Tells the worker registry (market-svc, over the {@code workers} topic) what this worker serves
 * and where: a {@link WorkerAnnouncement} once its gRPC server listens, a {@link WorkerHeartbeat}
 * with its load at a fixed interval, and a {@link WorkerWithdrawn} when it stops on purpose.
 * Heartbeats carry no state worth an outbox: a lost one is replaced by the next. The announcement is sent again in
 * place of each heartbeat until the broker has taken it (a busy broker may not answer the first send in time): a
 * worker the registry never heard of is never routed to.
 */
@Singleton
public class WorkerAnnouncer {

    private static final Logger LOG = Logger.getLogger(WorkerAnnouncer.class);
    private static final String SOURCE = "/shard-worker";

    private final ShardConfig config;
    private final ShardAssignment assignment;
    private final ShardEngine engine;
    private final KvSessions sessions;
    private final Map<String, Object> kafkaConfig;
    private final ValueRegistry values;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().daemon().name("worker-heartbeat").unstarted(runnable));
    private KafkaProducer<String, byte[]> producer;
    private volatile WorkerAnnouncement announcement;
    private final AnnouncementDelivery delivery = new AnnouncementDelivery();

    WorkerAnnouncer(ShardConfig config, ShardAssignment assignment, ShardEngine engine, KvSessions sessions,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, ValueRegistry values) {
        this.config = config;
        this.assignment = assignment;
        this.engine = engine;
        this.sessions = sessions;
        this.kafkaConfig = kafkaConfig;
        this.values = values;
    }

    /** The announcement this worker published, or null before its server listened. */
    public WorkerAnnouncement announcement() {
        return announcement;
    }

    /** gRPC shares the HTTP server here, so the address is known only once it is bound (port 0 in tests). */
    void serverStarted(@ObservesAsync HttpServerStart started) {
        String address = config.advertisedAddress()
                .orElseGet(() -> config.advertisedHost() + ":" + values.get(HttpServer.HTTP_PORT));
        announcement = WorkerAnnouncement.newBuilder()
                .setWorkerId(config.workerId())
                .setModelId(assignment.modelId())
                .setLayerStart(assignment.layerStart())
                .setLayerEnd(assignment.layerEnd())
                .setTotalLayers(engine.spec().layerCount())
                .setAddress(address)
                .setCapacity(WorkerCapacity.newBuilder()
                        .setMaxSessions(config.maxSessions())
                        .setMaxTokens(config.maxSessionTokens()))
                .setOperatorId(assignment.operatorId())
                .setNodeId(assignment.nodeId())
                .setPayoutAddress(assignment.payoutAddress().value())
                .setAnnouncedAt(now())
                .build();
        producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), new ByteArraySerializer());
        announce();
        long period = config.heartbeatInterval().toMillis();
        heartbeats.scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        if (delivery.taken()) {
            heartbeat();
        } else {
            announce();
        }
    }

    private void announce() {
        if (!delivery.startSend()) {
            return;
        }
        publish(announcement, taken -> {
            delivery.finished(taken);
            if (taken) {
                LOG.infof("Announced worker %s: layers [%d, %d) of %s at %s", config.workerId(),
                        assignment.layerStart(), assignment.layerEnd(), assignment.modelId(),
                        announcement.getAddress());
            }
        });
    }

    void stopping(@Observes ShutdownEvent shutdown) {
        heartbeats.shutdownNow();
        if (producer == null) {
            return;
        }
        publish(WorkerWithdrawn.newBuilder()
                .setWorkerId(config.workerId())
                .setReason("the worker is shutting down")
                .setWithdrawnAt(now())
                .build());
        producer.close(Duration.ofSeconds(5));
    }

    private void heartbeat() {
        publish(WorkerHeartbeat.newBuilder()
                .setWorkerId(config.workerId())
                .setLoad(WorkerLoad.newBuilder()
                        .setActiveSessions(sessions.activeCount())
                        .setTokensInFlight(sessions.reservedTokens()))
                .setSentAt(now())
                .build());
    }

    /** Sends an event nothing waits on: a heartbeat, or a stopping worker's withdrawal. */
    private void publish(Message payload) {
        publish(payload, taken -> { });
    }

    /** Sends the event; {@code outcome} learns whether the broker took it. */
    private void publish(Message payload, Consumer<Boolean> outcome) {
        EventEnvelope event = EventEnvelope.create(SOURCE, config.workerId(), null, payload);
        try {
            producer.send(EventCodec.toProducerRecord(Topics.WORKERS, event), (metadata, failure) -> {
                if (failure != null) {
                    LOG.warnf("Kafka did not take %s of worker %s: %s", event.type(), config.workerId(),
                            failure.getMessage());
                }
                outcome.accept(failure == null);
            });
        } catch (RuntimeException e) {
            LOG.warnf("Cannot publish %s of worker %s: %s", event.type(), config.workerId(), e.getMessage());
            outcome.accept(false);
        }
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> producerConfig = new HashMap<>(kafkaConfig);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A heartbeat that waits longer than its interval for the broker is worth nothing.
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.heartbeatInterval().toMillis());
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "shard-worker-" + config.workerId());
        return producerConfig;
    }

    private static Timestamp now() {
        Instant now = Instant.now();
        return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    }
}
