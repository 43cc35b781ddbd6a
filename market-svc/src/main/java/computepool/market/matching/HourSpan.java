package computepool.market.matching;

/**
 * The whole hours {@code [start, end)}, each counted from the Unix epoch: hour {@code h} begins at epoch second
 * {@code h * 3600}. The market sells GPU time by the hour, so no finer time is needed to match.
 */
public record HourSpan(long start, long end) {

    public HourSpan {
        if (end <= start) {
            throw new IllegalArgumentException("an hour span must end after it starts: [" + start + ", " + end + ")");
        }
    }

    public long hours() {
        return end - start;
    }

    public boolean contains(HourSpan other) {
        return start <= other.start && other.end <= end;
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
