package computepool.events;

import com.google.protobuf.StringValue;
import com.google.protobuf.Timestamp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventCodecTest {

    private static final StringValue PAYLOAD = StringValue.of("dev-42 joined");

    @Test
    void producerRecordCarriesTheCloudEventsBinaryBinding() {
        EventEnvelope event = EventEnvelope.create("/identity-svc", "dev-42", null, PAYLOAD);

        ProducerRecord<String, byte[]> record = EventCodec.toProducerRecord(Topics.IDENTITY, event);

        assertEquals(Topics.IDENTITY, record.topic());
        assertEquals("dev-42", record.key());
        assertArrayEquals(PAYLOAD.toByteArray(), record.value());
        assertEquals("1.0", header(record.headers(), "ce_specversion"));
        assertEquals(event.id().toString(), header(record.headers(), "ce_id"));
        assertEquals("google.protobuf.StringValue", header(record.headers(), "ce_type"));
        assertEquals("/identity-svc", header(record.headers(), "ce_source"));
        assertEquals(event.time(), Instant.parse(header(record.headers(), "ce_time")));
        assertEquals("application/protobuf", header(record.headers(), "content-type"));
        assertNull(record.headers().lastHeader("ce_subject"));
    }

    @Test
    void roundTripKeepsEveryAttributeAndThePayload() {
        EventEnvelope sent = EventEnvelope.create("/billing-svc", "op-7", "payout/p-1", PAYLOAD);

        EventEnvelope received = EventCodec.fromConsumerRecord(consumed(EventCodec.toProducerRecord(Topics.BILLING, sent)));

        assertEquals(sent, received);
        assertEquals(PAYLOAD, received.payload(StringValue.getDefaultInstance()));
    }

    @Test
    void acceptsRfc3339TimesWithAnOffset() {
        Headers headers = validHeaders();
        headers.remove("ce_time");
        headers.add("ce_time", bytes("2026-05-01T12:00:00.25+02:00"));

        EventEnvelope event = EventCodec.decode("k", headers, PAYLOAD.toByteArray());

        assertEquals(Instant.parse("2026-05-01T10:00:00.25Z"), event.time());
    }

    @Test
    void acceptsContentTypeParameters() {
        Headers headers = validHeaders();
        headers.remove("content-type");
        headers.add("content-type", bytes("Application/Protobuf; proto=google.protobuf.StringValue"));

        assertEquals("k", EventCodec.decode("k", headers, PAYLOAD.toByteArray()).key());
    }

    @Test
    void rejectsAMissingHeaderByName() {
        for (String name : new String[]{"ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type"}) {
            Headers headers = validHeaders();
            headers.remove(name);

            MalformedEventException e = assertThrows(MalformedEventException.class,
                    () -> EventCodec.decode("k", headers, PAYLOAD.toByteArray()));

            assertEquals("header " + name + " is missing", e.getMessage());
        }
    }

    @Test
    void rejectsInvalidAttributeValuesSayingWhy() {
        assertRejected("ce_specversion", "0.3", "ce_specversion is '0.3', expected '1.0'");
        assertRejected("ce_id", "42", "ce_id '42' is not a UUID");
        assertRejected("ce_time", "yesterday", "ce_time 'yesterday' is not an RFC 3339 timestamp");
        assertRejected("ce_time", "2026-05-01T12:00:00", "ce_time '2026-05-01T12:00:00' is not an RFC 3339 timestamp");
        assertRejected("content-type", "application/json", "content-type is 'application/json', expected 'application/protobuf'");
    }

    @Test
    void rejectsARecordWithoutKeyOrValue() {
        assertEquals("record key (the aggregate id) is missing", assertThrows(MalformedEventException.class,
                () -> EventCodec.decode(null, validHeaders(), PAYLOAD.toByteArray())).getMessage());
        assertEquals("record value (the payload) is missing", assertThrows(MalformedEventException.class,
                () -> EventCodec.decode("k", validHeaders(), null)).getMessage());
    }

    @Test
    void namesTheOffendingRecord() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.USAGE, 3, 42L, 0L, TimestampType.CREATE_TIME,
                0, 0, "dev-1", PAYLOAD.toByteArray(), new RecordHeaders(), Optional.empty());

        MalformedEventException e = assertThrows(MalformedEventException.class, () -> EventCodec.fromConsumerRecord(record));

        assertEquals("usage-3@42: header ce_specversion is missing", e.getMessage());
    }

    @Test
    void payloadOfAnotherTypeIsRejected() {
        EventEnvelope event = EventEnvelope.create("/gateway-svc", "dev-1", null, PAYLOAD);

        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> event.payload(Timestamp.getDefaultInstance()));

        assertTrue(e.getMessage().endsWith("has ce_type google.protobuf.StringValue, expected google.protobuf.Timestamp"),
                e.getMessage());
    }

    @Test
    void unparseablePayloadIsRejected() {
        Headers headers = validHeaders();
        EventEnvelope event = EventCodec.decode("k", headers, new byte[]{(byte) 0xff, (byte) 0xff});

        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> event.payload(StringValue.getDefaultInstance()));

        assertTrue(e.getMessage().contains("has an unreadable payload"), e.getMessage());
    }

    private static void assertRejected(String header, String value, String message) {
        Headers headers = validHeaders();
        headers.remove(header);
        headers.add(header, bytes(value));

        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> EventCodec.decode("k", headers, PAYLOAD.toByteArray()));

        assertEquals(message, e.getMessage());
    }

    private static Headers validHeaders() {
        return EventCodec.headers(EventEnvelope.create("/test", "k", null, PAYLOAD));
    }

    private static ConsumerRecord<String, byte[]> consumed(ProducerRecord<String, byte[]> sent) {
        return new ConsumerRecord<>(sent.topic(), 0, 7L, 0L, TimestampType.CREATE_TIME, 0, 0, sent.key(), sent.value(),
                sent.headers(), Optional.empty());
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
