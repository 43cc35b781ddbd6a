package computepool.events.health;

import computepool.events.ConsumerRetries;
import computepool.events.EventsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while a consumer has retried one event longer than {@code computepool.events.consumer.unready-after}:
 * its partition waits on it (its database or a dependency is gone), so what the service answers is behind its
 * events. Each event retried is named, with its attempts and last failure.
 */
@Readiness
@ApplicationScoped
public class ConsumerReadiness implements HealthCheck {

    static final String NAME = "Event consumers";

    private final ConsumerRetries retries;
    private final Duration unreadyAfter;

    @Inject
    public ConsumerReadiness(ConsumerRetries retries, EventsConfig config) {
        this(retries, config.consumer().unreadyAfter());
    }

    ConsumerReadiness(ConsumerRetries retries, Duration unreadyAfter) {
        this.retries = retries;
        this.unreadyAfter = unreadyAfter;
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = Instant.now();
        List<ConsumerRetries.Retry> current = retries.current();
        boolean stuck = current.stream().anyMatch(retry -> retry.age(now).compareTo(unreadyAfter) > 0);
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).status(!stuck)
                .withData("retrying", current.size());
        for (ConsumerRetries.Retry retry : current) {
            response.withData(retry.consumer() + " " + retry.eventType() + " " + retry.eventId(),
                    "retrying for " + retry.age(now).toSeconds() + " s, " + retry.attempts() + " attempts, last: "
                            + retry.lastFailure());
        }
        return response.build();
    }
}
