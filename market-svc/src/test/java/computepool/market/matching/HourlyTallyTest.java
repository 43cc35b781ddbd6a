package computepool.market.matching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HourlyTallyTest {

    @Test
    void overlappingSpansAddUpHourByHour() {
        HourlyTally tally = new HourlyTally();
        tally.add(new HourSpan(10, 20), 2);
        tally.add(new HourSpan(15, 25), 3);

        assertEquals(2, tally.max(new HourSpan(10, 15)));
        assertEquals(5, tally.max(new HourSpan(14, 16)));
        assertEquals(0, tally.min(new HourSpan(5, 11)));
        assertEquals(2, tally.min(new HourSpan(10, 25)));
        assertEquals(3, tally.max(new HourSpan(20, 30)));
        assertEquals(0, tally.max(new HourSpan(25, 30)));
    }

    @Test
    void forgettingThePastKeepsThePresent() {
        HourlyTally tally = new HourlyTally();
        tally.add(new HourSpan(10, 20), 2);
        tally.add(new HourSpan(12, 14), 1);

        tally.forgetBefore(13);

        assertEquals(3, tally.max(new HourSpan(13, 14)));
        assertEquals(2, tally.min(new HourSpan(13, 20)));
        assertEquals(0, tally.max(new HourSpan(0, 13)));
        tally.forgetBefore(20);
        assertTrue(tally.isZero());
    }

    @Test
    void takingBackWhatWasAddedLeavesZero() {
        HourlyTally tally = new HourlyTally();
        tally.add(new HourSpan(10, 20), 4);
        assertFalse(tally.isZero());

        tally.add(new HourSpan(10, 20), -4);

        assertTrue(tally.isZero());
        assertEquals(0, tally.max(new HourSpan(0, 100)));
    }
}
