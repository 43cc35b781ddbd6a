package computepool.shard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequencesTest {

    @Test
    void holdsBackTextThatMayStartAStopSequence() {
        StopSequences stops = new StopSequences(List.of("\nUser:"));
        assertEquals("Hello", stops.accept("Hello").text());
        assertEquals(" there", stops.accept(" there\nUs").text());
        StopSequences.Result matched = stops.accept("er: hi");
        assertTrue(matched.matched());
        assertEquals("", matched.text());
    }

    @Test
    void releasesHeldTextOnceItCannotMatch() {
        StopSequences stops = new StopSequences(List.of("END"));
        assertEquals("the ", stops.accept("the EN").text());
        StopSequences.Result next = stops.accept("Dless");
        assertTrue(next.matched(), "ENDless contains END");
        assertEquals("", next.text());

        StopSequences other = new StopSequences(List.of("END"));
        assertEquals("the ", other.accept("the EN").text());
        StopSequences.Result released = other.accept("ds");
        assertFalse(released.matched());
        assertEquals("ENds", released.text());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopSequences stops = new StopSequences(List.of("world", "lo w"));
        StopSequences.Result result = stops.accept("hello world");
        assertTrue(result.matched());
        assertEquals("hel", result.text());
    }

    @Test
    void flushGivesBackWhatWasHeldWhenTheSessionEnds() {
        StopSequences stops = new StopSequences(List.of("###"));
        assertEquals("a", stops.accept("a##").text());
        assertEquals("##b", stops.flush("b"));
    }

    @Test
    void noStopsPassEverythingThrough() {
        StopSequences stops = new StopSequences(List.of("", ""));
        assertEquals("anything", stops.accept("anything").text());
    }
}
