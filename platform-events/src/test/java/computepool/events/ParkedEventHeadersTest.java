package computepool.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.StringValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** A parked record's headers are kept whole, so that its replay decodes exactly what was consumed. */
class ParkedEventHeadersTest {

    @Test
    void anEnvelopesHeadersComeBackAsTheyWereAndDecodeToTheSameEvent() {
        EventEnvelope event = EventEnvelope.create("/identity-svc", "dev-1", "subject-1",
                StringValue.of("dev-1"));
        Headers kept = ParkedEvents.decode(ParkedEvents.encode(EventCodec.headers(event)));

        assertEquals(event, EventCodec.decode("dev-1", kept, event.data().toByteArray()));
    }

    @Test
    void headersThatAreNoTextOrNoValueOrRepeatedAreKeptInOrder() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_id", new byte[] {(byte) 0xff, 0, (byte) 0xc3});
        headers.add("ce_type", null);
        headers.add("ce_type", "second".getBytes(StandardCharsets.UTF_8));

        List<Header> kept = new ArrayList<>();
        ParkedEvents.decode(ParkedEvents.encode(headers)).forEach(kept::add);

        assertEquals(3, kept.size());
        assertArrayEquals(new byte[] {(byte) 0xff, 0, (byte) 0xc3}, kept.get(0).value());
        assertEquals("ce_type", kept.get(1).key());
        assertNull(kept.get(1).value());
        assertEquals("second", ParkedEvents.header(ParkedEvents.decode(ParkedEvents.encode(headers)), "ce_type"));
    }
}
