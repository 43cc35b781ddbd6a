package computepool.billing.events;

import computepool.billing.config.BillingConfig;
import computepool.events.EventCodec;
import computepool.events.EventConsumer;
import computepool.events.EventEnvelope;
import computepool.events.EventHandlers;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.ReservationUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Charges usage from the {@code usage} topic, once per {@code ce_id} (and once per request id, or per reservation
 * period's usage id), a poll of records at a time: a poll of inference usage alone in one transaction
 * ({@link UsageBatchIngestion}) when it can, else record by record ({@link InferenceBilling},
 * {@link ReservationBilling}), where usage of a developer or model billing does not know is retried, then parked with
 * the reason, and the partition moves on. {@code computepool.billing.batch-ingestion=false} charges every record in
 * its own transaction.
 */
@ApplicationScoped
public class UsageEventsConsumer {

    private static final Logger LOG = Logger.getLogger(UsageEventsConsumer.class);
    static final String CHANNEL = "usage-events";
    static final String CONSUMER_NAME = "billing-usage";

    private final EventConsumer consumer;
    private final EventHandlers handlers;
    private final UsageBatchIngestion batches;
    private final BillingConfig config;
    /** Usage events by how they were charged: a poll at a time, or one by one. */
    private final Counter batched;
    private final Counter oneByOne;

    public UsageEventsConsumer(EventConsumer consumer, InferenceBilling billing, ReservationBilling reservations,
            UsageBatchIngestion batches, BillingConfig config, MeterRegistry registry) {
        this.consumer = consumer;
        this.handlers = EventHandlers.builder()
                .on(InferenceUsage.getDefaultInstance(), billing::charge)
                .on(ReservationUsage.getDefaultInstance(), reservations::charge)
                .build();
        consumer.register(CONSUMER_NAME, handlers);
        this.batches = batches;
        this.config = config;
        this.batched = events(registry, "batched");
        this.oneByOne = events(registry, "one_by_one");
    }

    private static Counter events(MeterRegistry registry, String path) {
        return Counter.builder("computepool.billing.usage.events").tag("path", path)
                .description("Usage events handled, by how: a poll in one transaction, or each in its own")
                .register(registry);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onUsageEvents(ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> polled = new ArrayList<>(records.count());
        records.forEach(polled::add);
        if (!config.batchIngestion() || polled.size() == 1) {
            return oneByOne(polled);
        }
        List<EventEnvelope> events = new ArrayList<>(polled.size());
        try {
            for (ConsumerRecord<String, byte[]> record : polled) {
                events.add(EventCodec.fromConsumerRecord(record));
            }
        } catch (RuntimeException undecodable) {
            return oneByOne(polled);
        }
        return batches.ingest(CONSUMER_NAME, events)
                .invoke(charged -> {
                    batched.increment(events.size());
                    LOG.debugf("Charged %d of %d usage events in one transaction", charged.intValue(), events.size());
                })
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    LOG.debugf("A batch of %d usage events is charged one by one: %s", polled.size(),
                            failure.getMessage());
                    return oneByOne(polled);
                });
    }

    private Uni<Void> oneByOne(List<ConsumerRecord<String, byte[]>> records) {
        oneByOne.increment(records.size());
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ConsumerRecord<String, byte[]> record : records) {
            chain = chain.chain(() -> consumer.consume(CONSUMER_NAME, record, handlers));
        }
        return chain;
    }
}
