package computepool.events;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * {@code computepool.events.parked} at {@code /q/metrics}: the parked records not yet resolved by a replay, per
 * consumer, read from the database every {@code parked-gauge-interval} and after each replay, and counted up at once
 * as this process parks one.
 */
@ApplicationScoped
public class ParkedEventsGauge {

    private static final Logger LOG = Logger.getLogger(ParkedEventsGauge.class);

    private final ParkedEvents parked;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> byConsumer = new ConcurrentHashMap<>();

    ParkedEventsGauge(ParkedEvents parked, MeterRegistry registry) {
        this.parked = parked;
        this.registry = registry;
    }

    /** Shows the consumer at 0 before it parks anything. */
    void track(String consumer) {
        gauge(consumer);
    }

    @Scheduled(identity = "computepool-events-parked-gauge",
            every = "${computepool.events.consumer.parked-gauge-interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = RelayDisabled.class)
    Uni<Void> refresh() {
        return parked.unresolvedByConsumer()
                .invoke(counts -> {
                    byConsumer.forEach((consumer, count) -> count.set(counts.getOrDefault(consumer, 0L)));
                    counts.forEach((consumer, count) -> gauge(consumer).set(count));
                })
                .onFailure().invoke(failure -> LOG.debugf("parked events not counted now: %s", failure))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * One more record parked by this process: counted at once, without a query per record (a burst parks thousands);
     * the periodic refresh brings in what other replicas parked and resolved.
     */
    void parked(String consumer) {
        gauge(consumer).incrementAndGet();
    }

    /** Refreshes now, in the background. */
    void refreshSoon() {
        refresh().subscribe().with(ignored -> { }, failure -> { });
    }

    private AtomicLong gauge(String consumer) {
        return byConsumer.computeIfAbsent(consumer, name -> {
            AtomicLong count = new AtomicLong();
            Gauge.builder("computepool.events.parked", count, AtomicLong::get).tag("consumer", name)
                    .description("Records the consumer parked that no replay has resolved yet")
                    .register(registry);
            return count;
        });
    }
}
