package computepool.payment.webhooks;

import computepool.payment.chain.PassLoop;
import computepool.payment.domain.SigningSecret;
import computepool.payment.domain.WebhookSignature;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Posts due deliveries to their endpoints, signed with the endpoint's secret ({@link WebhookSignature}). A 2xx
 * answer delivers; anything else, or no answer in time, is tried again after a backoff that doubles from
 * {@code initial-backoff} up to {@code max-backoff}, until {@code max-attempts}.
 */
@ApplicationScoped
public class WebhookDeliverer {

    private static final Logger LOG = Logger.getLogger(WebhookDeliverer.class);
    private static final int BATCH = 50;

    private final WebhookDeliveries deliveries;
    private final WebhookConfig config;
    private final Clock clock;
    private final HttpClient http;
    private final PassLoop loop;

    public WebhookDeliverer(WebhookDeliveries deliveries, WebhookConfig config, Clock clock) {
        this.deliveries = deliveries;
        this.config = config;
        this.clock = clock;
        // Deliveries leave through the JVM's proxy when one is set (https.proxyHost and the like): an egress proxy
        // in production, the journeys' guard in tests.
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).proxy(ProxySelector.getDefault())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.loop = new PassLoop("webhooks", config.passInterval(), this::deliverDue, LOG);
    }

    void start(@Observes StartupEvent event) {
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        loop.stop();
    }

    public void deliverDue() throws InterruptedException {
        for (WebhookDeliveries.Due due : deliveries.due(clock.instant(), BATCH)) {
            deliver(due);
        }
    }

    private void deliver(WebhookDeliveries.Due due) throws InterruptedException {
        byte[] body = due.payload().getBytes(StandardCharsets.UTF_8);
        Instant now = clock.instant();
        Integer status = null;
        String error;
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(due.url()))
                    .timeout(config.timeout())
                    .header("Content-Type", "application/json")
                    .header("ComputePool-Event-Id", due.eventId())
                    .header("ComputePool-Event-Type", due.eventType())
                    .header(WebhookSignature.HEADER, WebhookSignature.header(new SigningSecret(due.signingSecret()), now, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(), HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
            if (status / 100 == 2) {
                deliveries.delivered(due.id(), status, clock.instant());
                return;
            }
            error = "answered " + status;
        } catch (java.io.IOException | IllegalArgumentException e) {
            error = e.toString();
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

    private Duration backoff(int failedAttempts) {
        Duration backoff = config.initialBackoff().multipliedBy(1L << Math.min(failedAttempts - 1, 30));
        return backoff.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : backoff;
    }
}
