package computepool.market.matching;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A number per hour that changes only by adding over spans, kept as the hours where it changes: an offer for a
 * month costs no more to track or query than one for an hour.
 */
final class HourlyTally {

    /** Hour → the value from that hour until the next key; before the first key the value is zero. */
    private final TreeMap<Long, Long> changes = new TreeMap<>();

    long max(HourSpan span) {
        long max = valueAt(span.start());
        for (long value : inside(span).values()) {
            max = Math.max(max, value);
        }
        return max;
    }

    long min(HourSpan span) {
        long min = valueAt(span.start());
        for (long value : inside(span).values()) {
            min = Math.min(min, value);
        }
        return min;
    }

    void add(HourSpan span, long amount) {
        changeAt(span.start());
        changeAt(span.end());
        for (Map.Entry<Long, Long> change : changes.subMap(span.start(), true, span.end(), false).entrySet()) {
            change.setValue(change.getValue() + amount);
        }
        dropIfRedundant(span.start());
        dropIfRedundant(span.end());
    }

    /** Forgets the hours before {@code hour}, keeping the value at it and after. */
    void forgetBefore(long hour) {
        long current = valueAt(hour);
        changes.headMap(hour, false).clear();
        if (current != 0) {
            changes.put(hour, current);
        }
        dropIfRedundant(hour);
    }

    /** Zero at every hour this tally still remembers. */
    boolean isZero() {
        return changes.values().stream().allMatch(value -> value == 0);
    }

    private NavigableMap<Long, Long> inside(HourSpan span) {
        return changes.subMap(span.start(), false, span.end(), false);
    }

    private long valueAt(long hour) {
        Map.Entry<Long, Long> change = changes.floorEntry(hour);
        return change == null ? 0 : change.getValue();
    }

    private void changeAt(long hour) {
        if (!changes.containsKey(hour)) {
            changes.put(hour, valueAt(hour));
        }
    }

    private void dropIfRedundant(long hour) {
        Long value = changes.get(hour);
        if (value != null && value == valueAt(hour - 1)) {
            changes.remove(hour);
        }
    }
}
