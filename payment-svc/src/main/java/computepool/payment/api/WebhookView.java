package computepool.payment.api;

import computepool.payment.domain.PaymentEvent;
import computepool.payment.domain.Webhook;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A webhook endpoint as the REST API lists it: never with its signing secret. */
public record WebhookView(UUID id, String url, List<String> events, Instant createdAt) {

    static WebhookView of(Webhook webhook) {
        return new WebhookView(webhook.id(), webhook.url().toString(), eventNames(webhook), webhook.createdAt());
    }

    static List<String> eventNames(Webhook webhook) {
        return webhook.events().stream().sorted().map(PaymentEvent::wireName).toList();
    }
}
