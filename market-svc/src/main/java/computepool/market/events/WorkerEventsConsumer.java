package computepool.market.events;

import com.google.protobuf.Timestamp;
import computepool.events.EventConsumer;
import computepool.events.EventEnvelope;
import computepool.events.EventHandlers;
import computepool.events.MalformedEventException;
import computepool.market.domain.WorkerEventRejected;
import computepool.market.domain.ShardWorker;
import computepool.market.domain.WorkerLoad;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerWithdrawn;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Builds the worker registry from the {@code workers} topic; each event applies once. An event that makes no sense
 * (a blank id, an impossible layer range) is parked with the reason, and the partition moves on.
 */
@ApplicationScoped
public class WorkerEventsConsumer {

    static final String CHANNEL = "worker-events";
    static final String CONSUMER_NAME = "market-worker-registry";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public WorkerEventsConsumer(EventConsumer consumer, WorkerRegistryUpdates registry) {
        this.consumer = consumer;
        this.handlers = EventHandlers.builder()
                .on(WorkerAnnouncement.getDefaultInstance(),
                        (event, announcement) -> sensible(() -> worker(event, announcement)).chain(registry::announced))
                .on(WorkerHeartbeat.getDefaultInstance(),
                        (event, heartbeat) -> sensible(() -> load(heartbeat)).chain(load -> registry.heartbeat(
                                heartbeat.getWorkerId(), load, timeOf(heartbeat.hasSentAt(), heartbeat.getSentAt(), event))))
                .on(WorkerWithdrawn.getDefaultInstance(),
                        (event, withdrawn) -> sensible(() -> requireWorkerId(withdrawn.getWorkerId())).chain(id -> registry
                                .withdrawn(id, withdrawn.getReason(),
                                        timeOf(withdrawn.hasWithdrawnAt(), withdrawn.getWithdrawnAt(), event))))
                .build();
        consumer.register(CONSUMER_NAME, handlers);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onWorkerEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }

    static ShardWorker worker(EventEnvelope event, WorkerAnnouncement announcement) {
        return new ShardWorker(announcement.getWorkerId(), announcement.getModelId(), announcement.getLayerStart(),
                announcement.getLayerEnd(), announcement.getTotalLayers(), announcement.getAddress(),
                announcement.getCapacity().getMaxSessions(), announcement.getCapacity().getMaxTokens(),
                announcement.getOperatorId(), announcement.getNodeId(), announcement.getPayoutAddress(),
                timeOf(announcement.hasAnnouncedAt(), announcement.getAnnouncedAt(), event));
    }

    private static WorkerLoad load(WorkerHeartbeat heartbeat) {
        requireWorkerId(heartbeat.getWorkerId());
        int active = heartbeat.getLoad().getActiveSessions();
        int tokens = heartbeat.getLoad().getTokensInFlight();
        if (active < 0 || tokens < 0) {
            throw new WorkerEventRejected("load of worker " + heartbeat.getWorkerId() + " is negative: "
                    + active + " sessions, " + tokens + " tokens");
        }
        return new WorkerLoad(active, tokens);
    }

    private static String requireWorkerId(String workerId) {
        if (workerId.isBlank()) {
            throw new WorkerEventRejected("worker_id must not be blank");
        }
        return workerId;
    }

    /**
     * The event's own time; an event without one (an older producer) counts as made when it was published.
     */
    private static Instant timeOf(boolean present, Timestamp timestamp, EventEnvelope event) {
        Instant time = present ? Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()) : event.time();
        // PostgreSQL keeps microseconds; comparing at that precision keeps "older than stored" exact.
        return time.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Fails the effect with a {@link MalformedEventException} when the payload breaks a rule. Retrying such an
     * event cannot help; the consumer parks it with this reason at once.
     */
    private static <T> Uni<T> sensible(Supplier<T> mapping) {
        try {
            return Uni.createFrom().item(mapping.get());
        } catch (WorkerEventRejected e) {
            return Uni.createFrom().failure(new MalformedEventException(e.getMessage(), e));
        }
    }
}
