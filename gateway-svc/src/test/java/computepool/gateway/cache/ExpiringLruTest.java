package computepool.gateway.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bound, the order of eviction and expiry of {@link ExpiringLru}, on instants the test chooses; and random streams
 * of lookups, stores and updates checked step by step against {@link ReferenceLru}, each stream from its own seed
 * ({@code -Dlru.seed=N} replays one), a failure naming its seed and step.
 */
class ExpiringLruTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(2);

    private record Answer(String value, Instant until) {
    }

    private static ExpiringLru<String, Answer> cache(int max) {
        return new ExpiringLru<>(max, Answer::until);
    }

    private static Answer answer(String value, Instant at) {
        return new Answer(value, at.plus(TTL));
    }

    @Test
    void aSprayOfUnknownKeysNeverGrowsItPastItsBoundNorPushesOutAKeyInUse() {
        ExpiringLru<String, Answer> cache = cache(1_000);
        Random random = new Random(7);
        Instant now = T0;
        Answer busy = answer("valid", now);
        cache.put("busy", busy);
        for (int sprayed = 1; sprayed <= 100_000; sprayed++) {
            cache.put("cp_" + Long.toHexString(random.nextLong()), answer("unknown", now));
            assertTrue(cache.size() <= 1_000, "held " + cache.size() + " after " + sprayed + " sprayed keys");
            if (sprayed % 500 == 0) {
                // The busy key is used twice in a bound's worth of sprayed keys, and verified again once it expires.
                now = now.plusMillis(50);
                if (!now.isBefore(busy.until())) {
                    assertEquals(Optional.empty(), cache.get("busy", now), "an expired answer is not reused");
                    busy = answer("valid", now);
                    cache.put("busy", busy);
                }
                assertEquals(Optional.of("valid"), cache.get("busy", now).map(Answer::value),
                        "the busy key after " + sprayed + " sprayed keys");
            }
        }
        assertEquals(1_000, cache.size());
    }

    @Test
    void theLeastRecentlyUsedGoesFirst() {
        ExpiringLru<String, Answer> cache = cache(3);
        cache.put("a", answer("1", T0));
        cache.put("b", answer("2", T0));
        cache.put("c", answer("3", T0));
        assertTrue(cache.get("a", T0).isPresent());
        cache.put("d", answer("4", T0));
        assertEquals(Optional.empty(), cache.get("b", T0), "b was the least recently used");
        assertEquals(List.of(true, true, true), List.of(cache.get("a", T0).isPresent(),
                cache.get("c", T0).isPresent(), cache.get("d", T0).isPresent()));
        cache.put("c", answer("3 again", T0));
        cache.put("e", answer("5", T0));
        assertEquals(Optional.empty(), cache.get("a", T0), "storing c again made it recently used, so a went");
        assertEquals(3, cache.size());
    }

    @Test
    void aValueIsReturnedUntilItsExpiryAndDroppedAtIt() {
        ExpiringLru<String, Answer> cache = cache(10);
        cache.put("key", answer("valid", T0));
        assertEquals(Optional.of("valid"), cache.get("key", T0.plus(TTL).minusNanos(1)).map(Answer::value));
        assertEquals(Optional.empty(), cache.get("key", T0.plus(TTL)));
        assertEquals(0, cache.size(), "an expired value is dropped when it is looked up");
    }

    @Test
    void anUpdateStartsAfreshFromAnAbsentOrExpiredValue() {
        ExpiringLru<String, Answer> cache = cache(10);
        assertEquals("first", cache.update("key", T0, current -> answer(current == null ? "first" : "later", T0))
                .value());
        assertEquals("later", cache.update("key", T0, current -> answer(current == null ? "first" : "later", T0))
                .value());
        Instant expired = T0.plus(TTL);
        assertEquals("first", cache.update("key", expired,
                current -> answer(current == null ? "first" : "later", expired)).value());
    }

    @Test
    void nonsenseIsRefusedNamingIt() {
        assertEquals("maxEntries must be at least 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> cache(0)).getMessage());
        ExpiringLru<String, Answer> cache = cache(1);
        assertEquals("key", assertThrows(NullPointerException.class, () -> cache.put(null, answer("x", T0)))
                .getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> cache.put("k", null)).getMessage());
        assertEquals("the updated value", assertThrows(NullPointerException.class,
                () -> cache.update("k", T0, current -> null)).getMessage());
    }

    @Test
    void threadsSprayingAtOnceNeverSeeItPastItsBound() throws Exception {
        ExpiringLru<String, Answer> cache = cache(256);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> largest = new ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                int id = thread;
                largest.add(pool.submit(() -> {
                    start.await();
                    int seen = 0;
                    for (int i = 0; i < 20_000; i++) {
                        cache.put(id + ":" + i, answer("unknown", T0));
                        cache.get(id + ":" + (i / 2), T0);
                        seen = Math.max(seen, cache.size());
                    }
                    return seen;
                }));
            }
            start.countDown();
            for (Future<Integer> seen : largest) {
                assertTrue(seen.get(30, TimeUnit.SECONDS) <= 256, "a thread saw " + seen.get() + " values held");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(256, cache.size());
    }

    @Test
    void randomStreamsAgreeWithTheReference() {
        String only = System.getProperty("lru.seed");
        if (only != null) {
            new Stream(Long.parseLong(only)).run();
            return;
        }
        int evictions = 0;
        int expiries = 0;
        for (long seed = 1; seed <= 500; seed++) {
            Stream stream = new Stream(seed);
            stream.run();
            evictions += stream.reference.evictions;
            expiries += stream.reference.expiries;
        }
        // A generator drifting into streams that never fill the cache or never let time pass would prove nothing.
        assertTrue(evictions > 10_000, "evictions: " + evictions);
        assertTrue(expiries > 1_000, "expiries: " + expiries);
    }

    /** One seeded stream of operations on a small key space, so that keys come back, get evicted and expire. */
    private static final class Stream {

        private final long seed;
        private final Random random;
        private final int max;
        private final ExpiringLru<String, Answer> cache;
        private final ReferenceLru reference;
        private final List<String> steps = new ArrayList<>();
        private Instant now = T0;

        Stream(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.max = 1 + random.nextInt(8);
            this.cache = cache(max);
            this.reference = new ReferenceLru(max);
        }

        void run() {
            for (int step = 0; step < 200; step++) {
                String key = "k" + random.nextInt(max * 2 + 1);
                int operation = random.nextInt(10);
                if (operation < 4) {
                    String got = cache.get(key, now).map(Answer::value).orElse(null);
                    record("get " + key + " -> " + got);
                    check(reference.get(key, now), got);
                } else if (operation < 8) {
                    String value = "v" + step;
                    Instant until = now.plusMillis(1 + random.nextInt(3_000));
                    record("put " + key + "=" + value + " until +" + Duration.between(T0, until).toMillis() + "ms");
                    cache.put(key, new Answer(value, until));
                    reference.put(key, value, until);
                } else if (operation < 9) {
                    String value = "u" + step;
                    Instant until = now.plusMillis(1 + random.nextInt(3_000));
                    String[] before = new String[1];
                    cache.update(key, now, current -> {
                        before[0] = current == null ? null : current.value();
                        return new Answer(value, until);
                    });
                    record("update " + key + " (was " + before[0] + ")");
                    check(reference.get(key, now), before[0]);
                    reference.put(key, value, until);
                } else {
                    now = now.plusMillis(random.nextInt(1_500));
                    record("time +" + Duration.between(T0, now).toMillis() + "ms");
                }
                if (cache.size() > max) {
                    throw new AssertionError(failure("held " + cache.size() + " values, bound " + max));
                }
            }
        }

        private void record(String step) {
            steps.add(step);
        }

        private void check(String expected, String actual) {
            if (!Objects.equals(expected, actual)) {
                throw new AssertionError(failure("expected " + expected + ", got " + actual));
            }
        }

        private String failure(String what) {
            return "seed " + seed + " (bound " + max + "), step " + steps.size() + ": " + what
                    + "\n  steps: " + String.join("\n         ", steps);
        }
    }
}
