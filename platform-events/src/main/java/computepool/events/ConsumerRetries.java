package computepool.events;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The events consumers are retrying right now, each since its first failure: what the service's readiness reports
 * while a partition waits on one of them.
 */
@ApplicationScoped
public class ConsumerRetries {

    /** One event a consumer has not managed to apply or park yet. */
    public record Retry(String consumer, String eventType, String eventId, Instant since, int attempts,
            String lastFailure) {

        public Duration age(Instant now) {
            return Duration.between(since, now);
        }
    }

    private final Map<String, Retry> retrying = new ConcurrentHashMap<>();

    /** The consumer failed on the event again, retrying since {@code since}. */
    public void failed(String consumer, String eventType, String eventId, Instant since, int attempts, Throwable failure) {
        retrying.put(consumer + "/" + eventId, new Retry(consumer, eventType, eventId, since, attempts,
                String.valueOf(failure)));
    }

    /** The event was applied or parked: its consumer is no longer retrying it. */
    public void ended(String consumer, String eventId) {
        retrying.remove(consumer + "/" + eventId);
    }

    /** Every event being retried, oldest first. */
    public List<Retry> current() {
        return retrying.values().stream().sorted(Comparator.comparing(Retry::since)).toList();
    }
}
