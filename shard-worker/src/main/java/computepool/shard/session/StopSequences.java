package computepool.shard.session;

import java.util.List;

/**
 * Holds back generated text while it could still become a stop sequence, so no part of a matched
 * stop sequence is ever sent.
 */
final class StopSequences {

    record Result(String text, boolean matched) {
    }

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();

    StopSequences(List<String> stops) {
        this.stops = stops.stream().filter(stop -> !stop.isEmpty()).toList();
    }

    /** Adds newly decoded text; returns what is safe to send, and whether a stop sequence matched. */
    Result accept(String text) {
        pending.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            String before = pending.substring(0, earliest);
            pending.setLength(0);
            return new Result(before, true);
        }
        int keep = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, pending.length()); length > keep; length--) {
                if (pending.substring(pending.length() - length).equals(stop.substring(0, length))) {
                    keep = length;
                    break;
                }
            }
        }
        String safe = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return new Result(safe, false);
    }

    /** Everything still held back, plus {@code tail}: the session ends without a match. */
    String flush(String tail) {
        String all = pending + tail;
        pending.setLength(0);
        return all;
    }
}
