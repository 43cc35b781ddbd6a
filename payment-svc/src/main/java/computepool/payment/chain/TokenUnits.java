package computepool.payment.chain;

import java.math.BigInteger;

/**
 * How the platform's money maps onto the tokens' units: ComputePoolUsd has 6 decimals, so one base unit is a
 * millionth of a dollar, 1,000 nano-USD; its Superfluid wrapper has 18, so one base unit is 10^12 super-token units.
 */
public final class TokenUnits {

    public static final long NANO_USD_PER_BASE_UNIT = 1_000;
    public static final BigInteger SUPER_UNITS_PER_BASE_UNIT = BigInteger.TEN.pow(12);

    private TokenUnits() {
    }
}
