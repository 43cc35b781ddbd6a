package computepool.events;

import com.google.protobuf.StringValue;
import com.google.protobuf.Timestamp;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventHandlersTest {

    @Test
    void routesByTypeWithTheDecodedPayload() {
        List<String> seen = new ArrayList<>();
        EventHandlers handlers = EventHandlers.builder()
                .on(StringValue.getDefaultInstance(), (event, text) -> record(seen, "text:" + text.getValue()))
                .on(Timestamp.getDefaultInstance(), (event, time) -> record(seen, "time:" + time.getSeconds()))
                .build();

        EventEnvelope text = EventEnvelope.create("/test", "k", null, StringValue.of("hello"));
        EventEnvelope time = EventEnvelope.create("/test", "k", null, Timestamp.newBuilder().setSeconds(9).build());
        handlers.effectOf(text).orElseThrow().apply(text).await().indefinitely();
        handlers.effectOf(time).orElseThrow().apply(time).await().indefinitely();

        assertEquals(List.of("text:hello", "time:9"), seen);
    }

    @Test
    void ignoresTypesWithoutHandler() {
        EventHandlers handlers = EventHandlers.of(StringValue.getDefaultInstance(), (event, text) -> Uni.createFrom().voidItem());

        assertTrue(handlers.effectOf(EventEnvelope.create("/test", "k", null, Timestamp.getDefaultInstance())).isEmpty());
    }

    @Test
    void rejectsTwoHandlersForOneType() {
        EventHandlers.Builder builder = EventHandlers.builder()
                .on(StringValue.getDefaultInstance(), (event, text) -> Uni.createFrom().voidItem());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.on(StringValue.getDefaultInstance(), (event, text) -> Uni.createFrom().voidItem()));

        assertEquals("two handlers for google.protobuf.StringValue", e.getMessage());
    }

    @Test
    void undecodablePayloadFailsBeforeTheEffectRuns() {
        EventHandlers handlers = EventHandlers.of(StringValue.getDefaultInstance(), (event, text) -> Uni.createFrom().voidItem());
        EventEnvelope garbage = EventCodec.decode("k", EventCodec.headers(EventEnvelope.create("/test", "k", null,
                StringValue.getDefaultInstance())), new byte[]{(byte) 0xff});

        assertThrows(MalformedEventException.class, () -> handlers.effectOf(garbage));
    }

    private static Uni<Void> record(List<String> seen, String entry) {
        seen.add(entry);
        return Uni.createFrom().voidItem();
    }
}
