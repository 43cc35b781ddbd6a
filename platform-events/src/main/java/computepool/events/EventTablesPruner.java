package computepool.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * Keeps {@code outbox_event} and {@code processed_event} bounded: published rows and remembered ids older than their
 * retention are deleted.
 */
@ApplicationScoped
class EventTablesPruner {

    private static final Logger LOG = Logger.getLogger(EventTablesPruner.class);

    private final OutboxStore store;
    private final Duration outboxRetention;
    private final Duration dedupeRetention;

    EventTablesPruner(OutboxStore store, EventsConfig config) {
        this.store = store;
        this.outboxRetention = config.relay().retention();
        this.dedupeRetention = config.consumer().dedupeRetention();
    }

    @Scheduled(identity = "computepool-events-prune", every = "${computepool.events.relay.prune-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = RelayDisabled.class)
    Uni<Void> prune() {
        Instant now = Instant.now();
        return Panache.withTransaction(() -> store.deletePublishedBefore(now.minus(outboxRetention))
                .chain(outbox -> store.deleteProcessedBefore(now.minus(dedupeRetention))
                        .invoke(processed -> LOG.debugf("Pruned %d outbox and %d processed-event rows", outbox, processed))))
                .replaceWithVoid();
    }
}
