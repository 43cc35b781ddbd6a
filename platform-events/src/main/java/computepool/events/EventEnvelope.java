package computepool.events;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * One platform event: CloudEvents attributes, the Kafka record key (the aggregate id) and the protobuf payload.
 *
 * @param id      {@code ce_id}, globally unique; consumers deduplicate on it
 * @param type    {@code ce_type}, the full name of the payload's protobuf message
 * @param source  {@code ce_source}, the producing service, e.g. {@code /identity-svc}
 * @param time    {@code ce_time}
 * @param subject {@code ce_subject}, or {@code null} when the event has none
 * @param key     Kafka record key: the id of the aggregate the event belongs to
 * @param data    the serialized payload
 */
public record EventEnvelope(UUID id, String type, String source, Instant time, String subject, String key, ByteString data) {

    public EventEnvelope {
        Objects.requireNonNull(id, "id");
        requireText(type, "type");
        requireText(source, "source");
        Objects.requireNonNull(time, "time");
        requireText(key, "key");
        Objects.requireNonNull(data, "data");
    }

    /**
     * A new event with a random id, the current time and the payload's message name as its type.
     */
    public static EventEnvelope create(String source, String key, String subject, Message payload) {
        Objects.requireNonNull(payload, "payload");
        // PostgreSQL keeps microseconds; truncating here makes the outbox round trip exact.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return new EventEnvelope(UUID.randomUUID(), typeOf(payload), source, now, subject, key, payload.toByteString());
    }

    /**
     * The {@code ce_type} of events carrying this kind of message.
     */
    public static String typeOf(Message prototype) {
        return prototype.getDescriptorForType().getFullName();
    }

    public boolean hasType(Message prototype) {
        return type.equals(typeOf(prototype));
    }

    /**
     * Decodes the payload as the message kind of {@code prototype}, for instance
     * {@code event.payload(InferenceUsage.getDefaultInstance())}.
     *
     * @throws MalformedEventException when the event is of another type or the bytes do not parse
     */
    @SuppressWarnings("unchecked")
    public <T extends Message> T payload(T prototype) {
        if (!hasType(prototype)) {
            throw new MalformedEventException("event " + id + " has ce_type " + type + ", expected " + typeOf(prototype));
        }
        try {
            return (T) prototype.getParserForType().parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedEventException("event " + id + " of type " + type + " has an unreadable payload: "
                    + e.getMessage(), e);
        }
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
