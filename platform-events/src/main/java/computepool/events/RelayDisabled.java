package computepool.events;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.inject.Singleton;

/**
 * Skips the pruning of the event tables in services that set {@code computepool.events.relay.enabled=false}.
 */
@Singleton
class RelayDisabled implements Scheduled.SkipPredicate {

    private final boolean enabled;

    RelayDisabled(EventsConfig config) {
        this.enabled = config.relay().enabled();
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !enabled;
    }
}
