package computepool.payment.webhooks;

import computepool.payment.chain.PassLoop;
import computepool.payment.domain.SigningSecret;
import computepool.payment.domain.WebhookSignature;
import computepool.payment.domain.WebhookUrl;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Posts due deliveries to their endpoints, signed with the endpoint's secret ({@link WebhookSignature}), each to the
 * address its target is checked at just before ({@link WebhookTargets}). A 2xx answer delivers; anything else, no
 * answer in time, or a target the check refuses, is tried again after a backoff that doubles from
 * {@code initial-backoff} up to {@code max-backoff}, until {@code max-attempts}.
 * <p>
 * Owners are served side by side, up to {@code max-concurrent-owners} at once, so an endpoint that hangs delays only
 * its own owner; each owner's deliveries go one at a time, in order, and a pass skips owners still being served.
 */
@ApplicationScoped
public class WebhookDeliverer {

    private static final Logger LOG = Logger.getLogger(WebhookDeliverer.class);
    private static final int BATCH = 50;

    private final WebhookDeliveries deliveries;
    private final WebhookTargets targets;
    private final WebhookPoster poster;
    private final WebhookConfig config;
    private final Clock clock;
    private final PassLoop loop;
    private final Set<String> ownersInFlight = ConcurrentHashMap.newKeySet();
    private final ExecutorService owners = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("webhooks-owner-", 0).factory());

    public WebhookDeliverer(WebhookDeliveries deliveries, WebhookTargets targets, WebhookPoster poster,
            WebhookConfig config, Clock clock) {
        this.deliveries = deliveries;
        this.targets = targets;
        this.poster = poster;
        this.config = config;
        this.clock = clock;
        this.loop = new PassLoop("webhooks", config.passInterval(), this::deliverDue, LOG);
    }

    void start(@Observes StartupEvent event) {
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        loop.stop();
        owners.shutdownNow();
        owners.awaitTermination(5, TimeUnit.SECONDS);
    }

    /**
     * Starts serving the owners with due deliveries that are not being served already, as many as there is room for,
     * and returns without waiting for them.
     */
    public void deliverDue() {
        int room = config.maxConcurrentOwners() - ownersInFlight.size();
        if (room <= 0) {
            return;
        }
        Map<String, List<WebhookDeliveries.Due>> byOwner = new LinkedHashMap<>();
        for (WebhookDeliveries.Due due : deliveries.due(clock.instant(), BATCH, Set.copyOf(ownersInFlight))) {
            if (byOwner.containsKey(due.ownerId()) || byOwner.size() < room) {
                byOwner.computeIfAbsent(due.ownerId(), owner -> new ArrayList<>()).add(due);
            }
        }
        // Only this loop's thread adds owners, so no owner is started twice; each removes itself when done.
        byOwner.forEach((owner, queue) -> {
            ownersInFlight.add(owner);
            owners.execute(() -> serve(owner, queue));
        });
    }

    private void serve(String owner, List<WebhookDeliveries.Due> queue) {
        try {
            for (WebhookDeliveries.Due due : queue) {
                deliver(due);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The rest of this owner's queue waits for a later pass, which starts again from the records.
            LOG.warnf("webhook deliveries of owner %s interrupted: %s", owner, e.toString());
        } finally {
            ownersInFlight.remove(owner);
        }
    }

    private void deliver(WebhookDeliveries.Due due) throws InterruptedException {
        byte[] body = due.payload().getBytes(StandardCharsets.UTF_8);
        Integer status = null;
        String error;
        try {
            WebhookTargets.Checked target = targets.check(WebhookUrl.parse(due.url()));
            status = poster.post(target, headers(due, body), body);
            if (status / 100 == 2) {
                deliveries.delivered(due.id(), status, clock.instant());
                return;
            }
            error = "answered " + status;
        } catch (WebhookTargets.Refused e) {
            error = "refused: " + e.getMessage();
        } catch (IOException | IllegalArgumentException e) {
            error = e.getMessage();
        }
        int attempt = due.attempts() + 1;
        boolean abandon = attempt >= config.maxAttempts();
        Instant next = clock.instant().plus(backoff(attempt));
        deliveries.failed(due.id(), status, error, clock.instant(), next, abandon);
        if (abandon) {
            LOG.warnf("webhook delivery %s of %s to %s abandoned after %d attempts: %s", due.id(), due.eventId(),
                    due.url(), attempt, error);
        }
    }

    private Map<String, String> headers(WebhookDeliveries.Due due, byte[] body) {
        return Map.of(
                "Content-Type", "application/json",
                "ComputePool-Event-Id", due.eventId(),
                "ComputePool-Event-Type", due.eventType(),
                WebhookSignature.HEADER, WebhookSignature.header(new SigningSecret(due.signingSecret()), clock.instant(),
                        body));
    }

    private Duration backoff(int failedAttempts) {
        Duration backoff = config.initialBackoff().multipliedBy(1L << Math.min(failedAttempts - 1, 30));
        return backoff.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : backoff;
    }
}
