package computepool.billing.events;

import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.usage.v1.InferenceUsage;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Charges inference usage from the {@code usage} topic, once per {@code ce_id} (and once per request id). Usage of a
 * developer or model billing does not know is parked with the reason, and the partition moves on.
 */
@ApplicationScoped
public class UsageEventsConsumer {

    static final String CHANNEL = "usage-events";
    static final String CONSUMER_NAME = "billing-usage";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public UsageEventsConsumer(EventConsumer consumer, InferenceBilling billing) {
        this.consumer = consumer;
        this.handlers = EventHandlers.of(InferenceUsage.getDefaultInstance(), billing::charge);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onUsageEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }
}
