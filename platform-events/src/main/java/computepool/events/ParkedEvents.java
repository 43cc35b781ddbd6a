package computepool.events;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Records that a consumer gave up on a Kafka record, with the reason, the raw payload and every header, so that
 * nothing is lost silently and the record can be inspected or replayed; and what each replay of it did.
 */
@ApplicationScoped
public class ParkedEvents {

    private static final int MAX_REASON_LENGTH = 4000;

    // The headers are bound as text and cast: a string bound to a jsonb parameter is stored as a JSON string.
    private static final String PARK = """
            insert into parked_event (consumer, topic, kafka_partition, kafka_offset, record_key, ce_id, ce_type,
                                      reason, payload, headers)
            values (:consumer, :topic, :partition, :offset, :key, :id, :type, :reason, :payload, cast(cast(:headers as text) as jsonb))
            on conflict (consumer, topic, kafka_partition, kafka_offset) do nothing
            """;
    private static final String COLUMNS = """
            id, consumer, topic, kafka_partition, kafka_offset, record_key, ce_id, ce_type, reason, payload,
            headers::text, parked_at, resolved_at""";

    private final Pool database;

    ParkedEvents(Pool database) {
        this.database = database;
    }

    /** A parked record as kept. */
    public record Parked(long id, String consumer, String topic, int partition, long offset, String key,
            String eventId, String eventType, String reason, byte[] payload, Optional<Headers> headers,
            Instant parkedAt, Optional<Instant> resolvedAt) {
    }

    /** Which parked records to list or replay; each criterion left empty matches every record. */
    public record Filter(Optional<String> consumer, Optional<String> eventType, Optional<String> reasonContains,
            Optional<Instant> parkedFrom, Optional<Instant> parkedBefore, boolean includeResolved) {
    }

    /** Parks the record; answers whether it was parked now (false: it was parked before). */
    Uni<Boolean> park(String consumerName, ConsumerRecord<String, byte[]> record, String reason) {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session.createNativeQuery(PARK)
                        .setParameter("consumer", consumerName)
                        .setParameter("topic", record.topic())
                        .setParameter("partition", record.partition())
                        .setParameter("offset", record.offset())
                        .setParameter("key", record.key())
                        .setParameter("id", header(record.headers(), EventCodec.HEADER_ID))
                        .setParameter("type", header(record.headers(), EventCodec.HEADER_TYPE))
                        .setParameter("reason", truncate(reason))
                        .setParameter("payload", record.value())
                        .setParameter("headers", encode(record.headers()))
                        .executeUpdate()))
                .map(inserted -> inserted > 0);
    }

    /** Parked records matching the filter, oldest first, at most {@code limit} of them after id {@code after}. */
    public Uni<List<Parked>> list(Filter filter, long after, int limit) {
        Tuple values = Tuple.tuple();
        String where = where(filter, values);
        values.addLong(after).addInteger(limit);
        return database.preparedQuery("select " + COLUMNS + " from parked_event where " + where + " and id > $"
                        + (values.size() - 1) + " order by id limit $" + values.size())
                .execute(values)
                .map(rows -> {
                    List<Parked> parked = new ArrayList<>();
                    rows.forEach(row -> parked.add(parked(row)));
                    return parked;
                });
    }

    public Uni<Optional<Parked>> find(long id) {
        return database.preparedQuery("select " + COLUMNS + " from parked_event where id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(parked(rows.iterator().next())));
    }

    /**
     * Records a replay; one that applied the event (now or before) resolves the record, which then no longer counts
     * as parked.
     */
    Uni<Void> recordReplay(long id, String by, EventConsumer.Outcome outcome, String detail, Instant at) {
        boolean resolves = outcome == EventConsumer.Outcome.APPLIED || outcome == EventConsumer.Outcome.ALREADY_APPLIED;
        return database.withTransaction(connection -> connection.preparedQuery("""
                        insert into parked_event_replay (parked_event_id, replayed_by, replayed_at, outcome, detail)
                        values ($1, $2, $3, $4, $5)""")
                .execute(Tuple.of(id, by, at.atOffset(ZoneOffset.UTC), outcome.name(),
                        detail == null ? null : truncate(detail)))
                .chain(() -> resolves
                        ? connection.preparedQuery("""
                                update parked_event set resolved_at = $2 where id = $1 and resolved_at is null""")
                                .execute(Tuple.of(id, at.atOffset(ZoneOffset.UTC))).replaceWithVoid()
                        : Uni.createFrom().voidItem()));
    }

    /** Every replay of the record, oldest first: who, when, outcome, detail. */
    public Uni<List<Map<String, Object>>> replaysOf(long id) {
        return database.preparedQuery("""
                        select replayed_by, replayed_at, outcome, detail from parked_event_replay
                        where parked_event_id = $1 order by id""")
                .execute(Tuple.of(id))
                .map(rows -> {
                    List<Map<String, Object>> replays = new ArrayList<>();
                    rows.forEach(row -> {
                        Map<String, Object> replay = new TreeMap<>();
                        replay.put("replayedBy", row.getString(0));
                        replay.put("replayedAt", row.getOffsetDateTime(1).toInstant().toString());
                        replay.put("outcome", row.getString(2));
                        if (row.getString(3) != null) {
                            replay.put("detail", row.getString(3));
                        }
                        replays.add(replay);
                    });
                    return replays;
                });
    }

    /** Unresolved parked records per consumer. */
    Uni<Map<String, Long>> unresolvedByConsumer() {
        return database.query("select consumer, count(*) from parked_event where resolved_at is null group by consumer")
                .execute()
                .map(rows -> {
                    Map<String, Long> counts = new TreeMap<>();
                    rows.forEach(row -> counts.put(row.getString(0), row.getLong(1)));
                    return counts;
                });
    }

    private static String where(Filter filter, Tuple values) {
        List<String> clauses = new ArrayList<>();
        clauses.add("true");
        filter.consumer().ifPresent(consumer -> {
            values.addString(consumer);
            clauses.add("consumer = $" + values.size());
        });
        filter.eventType().ifPresent(type -> {
            values.addString(type);
            clauses.add("ce_type = $" + values.size());
        });
        filter.reasonContains().ifPresent(reason -> {
            values.addString(reason);
            clauses.add("strpos(reason, $" + values.size() + ") > 0");
        });
        filter.parkedFrom().ifPresent(from -> {
            values.addOffsetDateTime(from.atOffset(ZoneOffset.UTC));
            clauses.add("parked_at >= $" + values.size());
        });
        filter.parkedBefore().ifPresent(before -> {
            values.addOffsetDateTime(before.atOffset(ZoneOffset.UTC));
            clauses.add("parked_at < $" + values.size());
        });
        if (!filter.includeResolved()) {
            clauses.add("resolved_at is null");
        }
        return String.join(" and ", clauses);
    }

    private static Parked parked(Row row) {
        OffsetDateTime resolved = row.getOffsetDateTime(12);
        String headers = row.getString(10);
        return new Parked(row.getLong(0), row.getString(1), row.getString(2), row.getInteger(3), row.getLong(4),
                row.getString(5), row.getString(6), row.getString(7), row.getString(8),
                row.getBuffer(9) == null ? null : row.getBuffer(9).getBytes(),
                headers == null ? Optional.empty() : Optional.of(decode(headers)),
                row.getOffsetDateTime(11).toInstant(), Optional.ofNullable(resolved).map(OffsetDateTime::toInstant));
    }

    /** The headers as {@code [[name, base64 of value], ...]}, in their order. */
    static String encode(Headers headers) {
        JsonArray encoded = new JsonArray();
        for (Header header : headers) {
            encoded.add(new JsonArray().add(header.key())
                    .add(header.value() == null ? null : Base64.getEncoder().encodeToString(header.value())));
        }
        return encoded.encode();
    }

    static Headers decode(String encoded) {
        RecordHeaders headers = new RecordHeaders();
        for (Object entry : new JsonArray(encoded)) {
            JsonArray header = (JsonArray) entry;
            String value = header.getString(1);
            headers.add(header.getString(0), value == null ? null : Base64.getDecoder().decode(value));
        }
        return headers;
    }

    static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String truncate(String reason) {
        return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH);
    }
}
