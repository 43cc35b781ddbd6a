package computepool.payment.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookTest {

    private static final WebhookUrl URL = WebhookUrl.parse("https://example.com/hook");
    private static final SigningSecret SECRET = SigningSecret.generate(new SecureRandom());
    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void aWebhookSubscribesToAtLeastOneEvent() {
        assertThrows(IllegalArgumentException.class, () -> Webhook.register("op", URL, Set.of(), SECRET, NOW));
        assertThrows(IllegalArgumentException.class, () -> Webhook.register("op", URL, null, SECRET, NOW));
    }

    @Test
    void eventsKeepTheirCatalogueOrder() {
        Webhook webhook = Webhook.register("op", URL,
                Set.of(PaymentEvent.PAYMENT_RECEIVED, PaymentEvent.PAYOUT_SETTLED), SECRET, NOW);
        assertEquals(List.of(PaymentEvent.PAYOUT_SETTLED, PaymentEvent.PAYMENT_RECEIVED), List.copyOf(webhook.events()));
    }

    @Test
    void eventsAreKnownByWireName() {
        assertEquals(PaymentEvent.PAYOUT_FAILED, PaymentEvent.named("payout.failed").orElseThrow());
        assertTrue(PaymentEvent.named("PAYOUT_FAILED").isEmpty());
        assertTrue(PaymentEvent.named("payout.refunded").isEmpty());
    }
}
