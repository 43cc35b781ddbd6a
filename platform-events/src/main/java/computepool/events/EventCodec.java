package computepool.events;

import com.google.protobuf.ByteString;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.UUID;

/**
 * Maps {@link EventEnvelope}s to Kafka records and back, following the CloudEvents Kafka protocol binding in binary
 * content mode: attributes in {@code ce_*} headers, the protobuf payload as the record value.
 */
public final class EventCodec {

    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "application/protobuf";

    public static final String HEADER_SPEC_VERSION = "ce_specversion";
    public static final String HEADER_ID = "ce_id";
    public static final String HEADER_TYPE = "ce_type";
    public static final String HEADER_SOURCE = "ce_source";
    public static final String HEADER_TIME = "ce_time";
    public static final String HEADER_SUBJECT = "ce_subject";
    public static final String HEADER_CONTENT_TYPE = "content-type";

    private EventCodec() {
    }

    public static ProducerRecord<String, byte[]> toProducerRecord(String topic, EventEnvelope event) {
        return new ProducerRecord<>(topic, null, event.key(), event.data().toByteArray(), headers(event));
    }

    /**
     * The headers of {@code event}, for producers that build their own records (a SmallRye {@code Emitter} with
     * {@code OutgoingKafkaRecordMetadata}, for instance).
     */
    public static Headers headers(EventEnvelope event) {
        Headers headers = new RecordHeaders();
        put(headers, HEADER_SPEC_VERSION, SPEC_VERSION);
        put(headers, HEADER_ID, event.id().toString());
        put(headers, HEADER_TYPE, event.type());
        put(headers, HEADER_SOURCE, event.source());
        put(headers, HEADER_TIME, DateTimeFormatter.ISO_INSTANT.format(event.time()));
        if (event.subject() != null) {
            put(headers, HEADER_SUBJECT, event.subject());
        }
        put(headers, HEADER_CONTENT_TYPE, CONTENT_TYPE);
        return headers;
    }

    /**
     * @throws MalformedEventException naming the record and what is wrong with it
     */
    public static EventEnvelope fromConsumerRecord(ConsumerRecord<String, byte[]> record) {
        try {
            return decode(record.key(), record.headers(), record.value());
        } catch (MalformedEventException e) {
            throw new MalformedEventException(
                    record.topic() + "-" + record.partition() + "@" + record.offset() + ": " + e.getMessage(), e);
        }
    }

    /**
     * @throws MalformedEventException saying what is missing or invalid
     */
    public static EventEnvelope decode(String key, Headers headers, byte[] value) {
        String specVersion = required(headers, HEADER_SPEC_VERSION);
        if (!SPEC_VERSION.equals(specVersion)) {
            throw new MalformedEventException(HEADER_SPEC_VERSION + " is '" + specVersion + "', expected '" + SPEC_VERSION + "'");
        }
        String contentType = required(headers, HEADER_CONTENT_TYPE);
        if (!isProtobuf(contentType)) {
            throw new MalformedEventException(HEADER_CONTENT_TYPE + " is '" + contentType + "', expected '" + CONTENT_TYPE + "'");
        }
        if (key == null || key.isBlank()) {
            throw new MalformedEventException("record key (the aggregate id) is missing");
        }
        if (value == null) {
            throw new MalformedEventException("record value (the payload) is missing");
        }
        return new EventEnvelope(
                id(required(headers, HEADER_ID)),
                required(headers, HEADER_TYPE),
                required(headers, HEADER_SOURCE),
                time(required(headers, HEADER_TIME)),
                optional(headers, HEADER_SUBJECT),
                key,
                ByteString.copyFrom(value));
    }

    private static boolean isProtobuf(String contentType) {
        int parameters = contentType.indexOf(';');
        String mediaType = parameters < 0 ? contentType : contentType.substring(0, parameters);
        return mediaType.strip().toLowerCase(Locale.ROOT).equals(CONTENT_TYPE);
    }

    private static UUID id(String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException(HEADER_ID + " '" + value + "' is not a UUID", e);
        }
    }

    private static Instant time(String value) {
        try {
            return OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new MalformedEventException(HEADER_TIME + " '" + value + "' is not an RFC 3339 timestamp", e);
        }
    }

    private static String required(Headers headers, String name) {
        String value = optional(headers, name);
        if (value == null || value.isBlank()) {
            throw new MalformedEventException("header " + name + " is missing");
        }
        return value;
    }

    private static String optional(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
