package computepool.events;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Replays parked records once their cause is fixed: each through its consumer's handlers and its record of applied
 * events, so a record is booked once however often it is replayed; every replay is recorded with who asked and what
 * it did.
 */
@ApplicationScoped
public class ParkedEventReplays {

    private final ParkedEvents parked;
    private final EventConsumer consumer;
    private final ParkedEventsGauge gauge;

    ParkedEventReplays(ParkedEvents parked, EventConsumer consumer, ParkedEventsGauge gauge) {
        this.parked = parked;
        this.consumer = consumer;
        this.gauge = gauge;
    }

    /** What one replay did. */
    public record Result(long id, EventConsumer.Outcome outcome, Optional<String> detail) {
    }

    /** Replays the record; empty when there is no such record. */
    public Uni<Optional<Result>> replay(long id, String by) {
        return parked.find(id).chain(found -> found.isEmpty() ? Uni.createFrom().item(Optional.<Result>empty())
                : replay(found.get(), by).map(Optional::of));
    }

    /**
     * Replays the unresolved records the filter matches, oldest first, at most {@code limit}; a record that fails
     * again stays parked and the rest are still replayed.
     *
     * @return how many replays had each outcome
     */
    public Uni<Map<EventConsumer.Outcome, Integer>> replayAll(ParkedEvents.Filter filter, String by, int limit) {
        ParkedEvents.Filter unresolved = new ParkedEvents.Filter(filter.consumer(), filter.eventType(),
                filter.reasonContains(), filter.parkedFrom(), filter.parkedBefore(), false);
        return parked.list(unresolved, 0, limit).chain(records -> {
            Map<EventConsumer.Outcome, Integer> outcomes = new EnumMap<>(EventConsumer.Outcome.class);
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (ParkedEvents.Parked record : records) {
                chain = chain.chain(() -> replay(record, by)
                        .invoke(result -> outcomes.merge(result.outcome(), 1, Integer::sum))
                        .replaceWithVoid());
            }
            return chain.map(ignored -> outcomes);
        });
    }

    private Uni<Result> replay(ParkedEvents.Parked record, String by) {
        return consumer.replay(record)
                .call(replayed -> parked.recordReplay(record.id(), by, replayed.outcome(), replayed.detail(),
                        Instant.now()))
                .invoke(() -> gauge.refreshSoon())
                .map(replayed -> new Result(record.id(), replayed.outcome(), Optional.ofNullable(replayed.detail())));
    }
}
