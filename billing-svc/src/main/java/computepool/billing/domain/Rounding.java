package computepool.billing.domain;

import java.math.BigInteger;

/** The one rounding of the ledger: an exact non-negative fraction to whole nano-USD, half up. */
public final class Rounding {

    private Rounding() {
    }

    /** {@code numerator / denominator}, rounded half up; both non-negative, the denominator positive. */
    public static long halfUp(BigInteger numerator, BigInteger denominator) {
        if (numerator.signum() < 0 || denominator.signum() <= 0) {
            throw new IllegalArgumentException("expected a non-negative fraction, got " + numerator + "/" + denominator);
        }
        return numerator.shiftLeft(1).add(denominator).divide(denominator.shiftLeft(1)).longValueExact();
    }
}
