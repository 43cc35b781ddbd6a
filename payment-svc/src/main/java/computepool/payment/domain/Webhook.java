package computepool.payment.domain;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/** An endpoint a developer or operator registered to receive signed payment events. */
public record Webhook(UUID id, String ownerId, WebhookUrl url, Set<PaymentEvent> events, SigningSecret secret,
        Instant createdAt) {

    public Webhook {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownerId, "ownerId");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(createdAt, "createdAt");
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("a webhook subscribes to at least one event");
        }
        events = Collections.unmodifiableSet(EnumSet.copyOf(events));
    }

    public static Webhook register(String ownerId, WebhookUrl url, Set<PaymentEvent> events, SigningSecret secret,
            Instant now) {
        return new Webhook(UUID.randomUUID(), ownerId, url, events, secret, now);
    }
}
