package computepool.events.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.events.ConsumerRetries;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Readiness turns DOWN while a consumer has retried one event past the limit, and UP again once it is done. */
class ConsumerReadinessTest {

    @Test
    void anEventRetriedPastTheLimitMakesTheServiceUnreadyAndIsNamed() {
        ConsumerRetries retries = new ConsumerRetries();
        ConsumerReadiness readiness = new ConsumerReadiness(retries, Duration.ofSeconds(10));
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus());

        retries.failed("billing-usage", "computepool.usage.v1.InferenceUsage", "e-1", Instant.now().minusSeconds(2),
                3, new IllegalStateException("connection refused"));
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus(), "a short retry is no outage");

        retries.failed("billing-usage", "computepool.usage.v1.InferenceUsage", "e-1", Instant.now().minusSeconds(11),
                7, new IllegalStateException("connection refused"));
        HealthCheckResponse down = readiness.call();
        assertEquals(HealthCheckResponse.Status.DOWN, down.getStatus());
        String named = String.valueOf(down.getData().orElseThrow()
                .get("billing-usage computepool.usage.v1.InferenceUsage e-1"));
        assertTrue(named.contains("7 attempts") && named.contains("connection refused"), named);

        retries.ended("billing-usage", "e-1");
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus());
    }
}
