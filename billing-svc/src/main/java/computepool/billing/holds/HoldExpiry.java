package computepool.billing.holds;

import computepool.billing.config.BillingConfig;
import computepool.billing.store.HoldStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * Marks holds past their expiry as expired, every {@code computepool.billing.hold-expiry-interval}. Their amounts
 * stopped counting against the developer at the expiry itself; this records how they ended.
 */
@ApplicationScoped
public class HoldExpiry {

    private static final Logger LOG = Logger.getLogger(HoldExpiry.class);

    private final HoldStore holds;
    private final BillingConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private long timer = -1;

    public HoldExpiry(HoldStore holds, BillingConfig config, Vertx vertx, Clock clock) {
        this.holds = holds;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(config.holdExpiryInterval().toMillis(), ignored -> sweep());
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void sweep() {
        // Hibernate Reactive wants a duplicated context of its own, marked safe.
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> Panache.withTransaction(() -> holds.expire(clock.instant()))
                .subscribe().with(
                        expired -> {
                            if (expired > 0) {
                                LOG.infof("%d holds expired unsettled", expired);
                            }
                        },
                        failure -> LOG.warnf("Expiring holds failed, next try in %s: %s",
                                config.holdExpiryInterval(), failure.getMessage())));
    }
}
