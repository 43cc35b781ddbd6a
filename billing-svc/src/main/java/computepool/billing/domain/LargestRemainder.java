package computepool.billing.domain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits an integer amount in proportion to weights so that the parts sum exactly to the whole (the largest
 * remainder method): each part gets the floor of its exact share, and the units left over go one each to the parts
 * with the largest remainders, earlier parts first on a tie. Exact in integers, whatever the sizes.
 */
public final class LargestRemainder {

    private LargestRemainder() {
    }

    /**
     * @param total   a non-negative amount
     * @param weights non-negative, at least one positive
     */
    public static List<Long> split(long total, List<Long> weights) {
        if (total < 0) {
            throw new IllegalArgumentException("cannot split a negative amount: " + total);
        }
        if (weights.isEmpty() || weights.stream().anyMatch(weight -> weight < 0)) {
            throw new IllegalArgumentException("weights must be non-negative and at least one: " + weights);
        }
        BigInteger sum = weights.stream().map(BigInteger::valueOf).reduce(BigInteger.ZERO, BigInteger::add);
        if (sum.signum() == 0) {
            throw new IllegalArgumentException("at least one weight must be positive: " + weights);
        }
        BigInteger whole = BigInteger.valueOf(total);
        List<Long> parts = new ArrayList<>(weights.size());
        List<BigInteger> remainders = new ArrayList<>(weights.size());
        long given = 0;
        for (long weight : weights) {
            BigInteger[] division = whole.multiply(BigInteger.valueOf(weight)).divideAndRemainder(sum);
            parts.add(division[0].longValueExact());
            remainders.add(division[1]);
            given += division[0].longValueExact();
        }
        long left = total - given;
        List<Integer> byRemainder = IntStream.range(0, weights.size()).boxed()
                .sorted(Comparator.comparing((Integer i) -> remainders.get(i)).reversed()
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        for (int i = 0; i < left; i++) {
            int index = byRemainder.get(i);
            parts.set(index, parts.get(index) + 1);
        }
        return List.copyOf(parts);
    }
}
