package computepool.gateway.limits;

import computepool.gateway.cache.ExpiringLru;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The failed authentications this gateway knows of, per client address, and whether an address is refused for now:
 * from the count Redis keeps for every replica, or from this gateway's own count while Redis does not answer. At most
 * {@code maxAddresses} are remembered, the least recently seen forgotten first; a forgotten address that is still over
 * its limit in Redis is refused again after its next failure.
 */
public final class FailedAttempts {

    /** An address's failures in its current window, and when that window ends. */
    private record Strikes(long count, Instant windowEnds) {
    }

    private final int maxAttempts;
    private final Duration window;
    private final ExpiringLru<String, Strikes> byAddress;

    /**
     * @param maxAttempts  failures an address may make in one window; the attempts after them are refused
     * @param window       how long an address's own count runs when this gateway counts alone
     * @param maxAddresses the most addresses remembered at once
     */
    public FailedAttempts(int maxAttempts, Duration window, int maxAddresses) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (window.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("window must be at least 1s, was " + window);
        }
        this.maxAttempts = maxAttempts;
        this.window = window;
        this.byAddress = new ExpiringLru<>(maxAddresses, Strikes::windowEnds);
    }

    /** The seconds, rounded up, until {@code address} may try again; empty while it may try now. */
    public OptionalLong refusedForSeconds(String address, Instant now) {
        return byAddress.get(address, now)
                .filter(strikes -> strikes.count() >= maxAttempts)
                .map(strikes -> OptionalLong.of(secondsBetween(now, strikes.windowEnds())))
                .orElse(OptionalLong.empty());
    }

    /**
     * The failures of {@code address} in the window that ends at {@code windowEnds}, as counted for every replica.
     *
     * @return whether this count is the one that makes the address refused
     */
    public boolean counted(String address, long count, Instant windowEnds) {
        Objects.requireNonNull(windowEnds, "windowEnds");
        byAddress.put(address, new Strikes(count, windowEnds));
        return count == maxAttempts;
    }

    /**
     * One more failure of {@code address}, counted by this gateway alone, in a window that starts with the first.
     *
     * @return whether this failure is the one that makes the address refused
     */
    public boolean countedHere(String address, Instant now) {
        Strikes strikes = byAddress.update(address, now, current -> current == null
                ? new Strikes(1, now.plus(window))
                : new Strikes(current.count() + 1, current.windowEnds()));
        return strikes.count() == maxAttempts;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    private static long secondsBetween(Instant now, Instant later) {
        long millis = Duration.between(now, later).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }
}
