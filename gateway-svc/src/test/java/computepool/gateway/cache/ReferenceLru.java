package computepool.gateway.cache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The plainest bounded least-recently-used map with expiry, to check {@link ExpiringLru} against: a use-order list. */
final class ReferenceLru {

    private record Held(String value, Instant until) {
    }

    private final int max;
    /** Least recently used first. */
    private final List<String> order = new ArrayList<>();
    private final Map<String, Held> values = new HashMap<>();
    int evictions;
    int expiries;

    ReferenceLru(int max) {
        this.max = max;
    }

    String get(String key, Instant now) {
        Held held = values.get(key);
        if (held == null) {
            return null;
        }
        order.remove(key);
        if (!now.isBefore(held.until())) {
            values.remove(key);
            expiries++;
            return null;
        }
        order.add(key);
        return held.value();
    }

    void put(String key, String value, Instant until) {
        order.remove(key);
        order.add(key);
        values.put(key, new Held(value, until));
        if (order.size() > max) {
            values.remove(order.removeFirst());
            evictions++;
        }
    }
}
