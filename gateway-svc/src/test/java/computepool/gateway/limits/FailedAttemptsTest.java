package computepool.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** When an address is refused, for how long, and how many addresses are remembered, on instants the test chooses. */
class FailedAttemptsTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration MINUTE = Duration.ofSeconds(60);

    @Test
    void anAddressIsRefusedOnceItsSharedCountReachesTheLimitUntilItsWindowEnds() {
        FailedAttempts attempts = new FailedAttempts(3, MINUTE, 100);
        Instant windowEnds = T0.plusSeconds(42);
        assertFalse(attempts.counted("198.51.100.7", 1, windowEnds));
        assertFalse(attempts.counted("198.51.100.7", 2, windowEnds));
        assertEquals(OptionalLong.empty(), attempts.refusedForSeconds("198.51.100.7", T0),
                "two failures of three allowed");
        assertTrue(attempts.counted("198.51.100.7", 3, windowEnds), "the third failure is the one that refuses");
        assertEquals(OptionalLong.of(42), attempts.refusedForSeconds("198.51.100.7", T0));
        assertEquals(OptionalLong.of(1), attempts.refusedForSeconds("198.51.100.7", windowEnds.minusMillis(200)),
                "the seconds are rounded up, never 0");
        assertEquals(OptionalLong.empty(), attempts.refusedForSeconds("198.51.100.7", windowEnds));
        assertEquals(OptionalLong.empty(), attempts.refusedForSeconds("198.51.100.8", T0), "another address");
    }

    @Test
    void countsFromOtherReplicasRefuseAnAddressThisGatewaySawFailOnce() {
        FailedAttempts attempts = new FailedAttempts(20, MINUTE, 100);
        assertFalse(attempts.counted("2001:db8::1", 25, T0.plusSeconds(10)), "refused by an earlier count already");
        assertEquals(OptionalLong.of(10), attempts.refusedForSeconds("2001:db8::1", T0));
    }

    @Test
    void withoutSharedCountsItCountsAloneInAWindowFromTheFirstFailure() {
        FailedAttempts attempts = new FailedAttempts(2, MINUTE, 100);
        assertFalse(attempts.countedHere("203.0.113.9", T0));
        assertEquals(OptionalLong.empty(), attempts.refusedForSeconds("203.0.113.9", T0));
        assertTrue(attempts.countedHere("203.0.113.9", T0.plusSeconds(30)));
        assertEquals(OptionalLong.of(30), attempts.refusedForSeconds("203.0.113.9", T0.plusSeconds(30)));
        assertEquals(OptionalLong.empty(), attempts.refusedForSeconds("203.0.113.9", T0.plus(MINUTE)));
        assertFalse(attempts.countedHere("203.0.113.9", T0.plus(MINUTE)), "a new window starts at one");
    }

    @Test
    void atMostMaxAddressesAreRememberedTheLeastRecentlySeenForgottenFirst() {
        FailedAttempts attempts = new FailedAttempts(1, MINUTE, 2);
        attempts.counted("a", 1, T0.plus(MINUTE));
        attempts.counted("b", 1, T0.plus(MINUTE));
        assertTrue(attempts.refusedForSeconds("a", T0).isPresent());
        attempts.counted("c", 1, T0.plus(MINUTE));
        assertEquals(OptionalLong.empty(), attempts.refusedForSeconds("b", T0), "b was seen least recently");
        assertTrue(attempts.refusedForSeconds("a", T0).isPresent());
        assertTrue(attempts.refusedForSeconds("c", T0).isPresent());
    }

    @Test
    void nonsenseSettingsAreRefusedNamingThem() {
        assertEquals("maxAttempts must be at least 1, was 0", assertThrows(IllegalArgumentException.class,
                () -> new FailedAttempts(0, MINUTE, 10)).getMessage());
        assertEquals("window must be at least 1s, was PT0.5S", assertThrows(IllegalArgumentException.class,
                () -> new FailedAttempts(1, Duration.ofMillis(500), 10)).getMessage());
        assertEquals("maxEntries must be at least 1, was 0", assertThrows(IllegalArgumentException.class,
                () -> new FailedAttempts(1, MINUTE, 0)).getMessage());
    }
}
