package computepool.gateway.cache;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * At most a fixed number of values, each until the instant it names; past the bound the least recently used value
 * goes first, so callers that spray new keys push out only each other and what nobody used lately. Thread-safe with
 * one lock, held for a map operation only: the values' work (verifying, counting) happens outside it.
 *
 * @param <K> what values are found by
 * @param <V> the values, each knowing when it expires
 */
public final class ExpiringLru<K, V> {

    private final int maxEntries;
    private final Function<V, Instant> expiresAt;
    private final LinkedHashMap<K, V> entries;

    /**
     * @param maxEntries the most values held at once; at least 1
     * @param expiresAt  the first instant at which a value is no longer returned
     */
    public ExpiringLru(int maxEntries, Function<V, Instant> expiresAt) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
        // Access order: a get moves the entry to the young end, and the eldest is the least recently used.
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > ExpiringLru.this.maxEntries;
            }
        };
    }

    /** The value under {@code key} while it has not expired at {@code now}; an expired one is dropped. */
    public synchronized Optional<V> get(K key, Instant now) {
        return Optional.ofNullable(fresh(key, now));
    }

    /** Holds {@code value} under {@code key} as the most recently used; past the bound the least recently used goes. */
    public synchronized void put(K key, V value) {
        entries.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /**
     * Replaces the value under {@code key} by what {@code next} makes of it (of null when there is none or it has
     * expired at {@code now}), atomically.
     *
     * @return the value now held
     */
    public synchronized V update(K key, Instant now, UnaryOperator<V> next) {
        V updated = Objects.requireNonNull(next.apply(fresh(key, now)), "the updated value");
        entries.put(Objects.requireNonNull(key, "key"), updated);
        return updated;
    }

    /** How many values are held, expired ones included until they are looked up or evicted. */
    public synchronized int size() {
        return entries.size();
    }

    public int maxEntries() {
        return maxEntries;
    }

    private V fresh(K key, Instant now) {
        V value = entries.get(key);
        if (value != null && !now.isBefore(expiresAt.apply(value))) {
            entries.remove(key);
            return null;
        }
        return value;
    }
}
