package computepool.payment.store;

import computepool.payment.domain.PaymentEvent;
import computepool.payment.domain.SigningSecret;
import computepool.payment.domain.Webhook;
import computepool.payment.domain.WebhookUrl;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** The row of one webhook endpoint, with the events it subscribes to in {@code webhook_event}. */
@Entity
@Table(name = "webhook")
public class WebhookRecord {

    @Id
    public UUID id;

    @Column(name = "owner_id", nullable = false, updatable = false)
    public String ownerId;

    @Column(nullable = false, updatable = false)
    public String url;

    @Column(name = "signing_secret", nullable = false, updatable = false)
    public String signingSecret;

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "webhook_event", joinColumns = @JoinColumn(name = "webhook_id"))
    @Column(name = "event", nullable = false)
    public Set<String> events = new HashSet<>();

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    static WebhookRecord from(Webhook webhook) {
        WebhookRecord row = new WebhookRecord();
        row.id = webhook.id();
        row.ownerId = webhook.ownerId();
        row.url = webhook.url().toString();
        row.signingSecret = webhook.secret().value();
        row.events = webhook.events().stream().map(PaymentEvent::wireName).collect(Collectors.toCollection(HashSet::new));
        row.createdAt = webhook.createdAt();
        return row;
    }

    Webhook toDomain() {
        Set<PaymentEvent> known = events.stream()
                .map(name -> PaymentEvent.named(name)
                        .orElseThrow(() -> new IllegalStateException("webhook " + id + " has unknown event " + name)))
                .collect(Collectors.toSet());
        return new Webhook(id, ownerId, WebhookUrl.parse(url), known, new SigningSecret(signingSecret), createdAt);
    }
}
