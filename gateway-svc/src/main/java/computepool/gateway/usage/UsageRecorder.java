package computepool.gateway.usage;

import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.usage.v1.InferenceUsage;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Writes each request's {@code InferenceUsage} to the gateway's outbox, from which the relay publishes it on the
 * {@code usage} topic (key: the developer). The event gets its {@code ce_id} once, here, so a redelivery carries the
 * same id and billing applies it once. A failed write is retried; should every attempt fail, the loss is logged with
 * the whole event so it can be replayed.
 */
@ApplicationScoped
public class UsageRecorder {

    private static final Logger LOG = Logger.getLogger(UsageRecorder.class);
    private static final int ATTEMPTS = 5;

    private final Outbox outbox;
    private final Vertx vertx;

    public UsageRecorder(Outbox outbox, Vertx vertx) {
        this.outbox = outbox;
        this.vertx = vertx;
    }

    public void record(String accountKey, InferenceUsage usage) {
        // Hibernate Reactive wants a duplicated context of its own, marked safe, not the HTTP request's.
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> Panache.withTransaction(() -> outbox.append(Topics.USAGE, accountKey, usage))
                .onFailure().retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(ATTEMPTS - 1)
                .subscribe().with(
                        event -> LOG.debugf("Usage of request %s is event %s", usage.getRequestId(), event.id()),
                        failure -> LOG.errorf(failure, "Usage of request %s was not recorded: %s",
                                usage.getRequestId(), usage)));
    }
}
