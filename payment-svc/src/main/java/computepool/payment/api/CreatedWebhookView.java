package computepool.payment.api;

import computepool.payment.domain.Webhook;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The answer to a registration, the only one that shows the signing secret. */
public record CreatedWebhookView(UUID id, String url, List<String> events, String signingSecret, Instant createdAt) {

    static CreatedWebhookView of(Webhook webhook) {
        return new CreatedWebhookView(webhook.id(), webhook.url().toString(), WebhookView.eventNames(webhook),
                webhook.secret().value(), webhook.createdAt());
    }
}
