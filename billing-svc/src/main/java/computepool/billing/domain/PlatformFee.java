package computepool.billing.domain;

import java.time.Instant;
import java.util.Objects;

/** The platform's share of every charge from an instant on, in basis points (1/100 of a percent). */
public record PlatformFee(Instant validFrom, int basisPoints) {

    public static final int WHOLE = 10_000;

    public PlatformFee {
        Objects.requireNonNull(validFrom, "validFrom");
        if (basisPoints < 0 || basisPoints > WHOLE) {
            throw new IllegalArgumentException("a fee share is 0 to " + WHOLE + " basis points, not " + basisPoints);
        }
    }
}
