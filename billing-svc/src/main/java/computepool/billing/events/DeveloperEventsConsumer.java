package computepool.billing.events;

import computepool.billing.store.AccountStore;
import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.identity.v1.DeveloperCreated;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Opens a developer's wallets when identity-svc announces the developer; each event applies once. */
@ApplicationScoped
public class DeveloperEventsConsumer {

    static final String CHANNEL = "identity-events";
    static final String CONSUMER_NAME = "billing-developer-wallets";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public DeveloperEventsConsumer(EventConsumer consumer, AccountStore accounts) {
        this.consumer = consumer;
        this.handlers = EventHandlers.of(DeveloperCreated.getDefaultInstance(), (event, created) -> accounts
                .openDeveloperWallets(UUID.fromString(created.getDeveloperId()), created.getKeycloakSubject(),
                        Instant.ofEpochSecond(created.getCreatedAt().getSeconds(), created.getCreatedAt().getNanos()))
                .replaceWithVoid());
        consumer.register(CONSUMER_NAME, handlers);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onIdentityEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }
}
