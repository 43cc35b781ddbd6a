package computepool.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Publishes committed outbox rows to Kafka in the order they were written and marks them published once the broker
 * has acknowledged them. Delivery is at least once: a crash between the acknowledgement and the commit publishes
 * the batch again, and consumers deduplicate on {@code ce_id}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    // After a failed drain (typically the database is unreachable), so the log is not flooded four times a second.
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(5);

    private final OutboxStore store;
    private final RelayProducer producer;
    private final Vertx vertx;
    private final EventsConfig.Relay config;
    private volatile boolean running;

    OutboxRelay(OutboxStore store, RelayProducer producer, Vertx vertx, EventsConfig config) {
        this.store = store;
        this.producer = producer;
        this.vertx = vertx;
        this.config = config.relay();
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            running = true;
            scheduleDrain(config.interval());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
    }

    /**
     * Publishes up to one batch of pending rows; must run on a Vert.x context.
     *
     * @return the number of rows marked published: 0 as well when another replica holds the relay
     */
    public Uni<Integer> publishBatch() {
        Executor caller = CallerContext.current();
        return Panache.withTransaction(() -> store.tryLead().chain(leading -> leading
                ? store.lockPending(config.batchSize()).chain(batch -> publish(batch, caller))
                : Uni.createFrom().item(0)));
    }

    // A one-shot timer re-armed after each drain, rather than the scheduler: drains never overlap, and the Quarkus
    // scheduler does not run jobs more often than once a second.
    private void scheduleDrain(Duration delay) {
        if (running) {
            vertx.setTimer(delay.toMillis(), timer -> {
                if (running) {
                    // Each drain gets a fresh duplicated context flagged safe, as Hibernate Reactive requires.
                    Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
                    VertxContextSafetyToggle.setContextSafe(context, true);
                    context.runOnContext(ignored -> drain().subscribe()
                            .with(drained -> scheduleDrain(config.interval()), this::drainFailed));
                }
            });
        }
    }

    private void drainFailed(Throwable failure) {
        if (running) {
            LOG.errorf(failure, "Outbox relay failed; retrying in %s", PAUSE_AFTER_FAILURE);
        }
        scheduleDrain(PAUSE_AFTER_FAILURE);
    }

    private Uni<Void> drain() {
        return publishBatch().chain(published -> published == config.batchSize() ? drain() : Uni.createFrom().voidItem());
    }

    private Uni<Integer> publish(List<PendingEvent> batch, Executor caller) {
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return producer.send(batch).emitOn(caller).chain(store::markPublished);
    }
}
