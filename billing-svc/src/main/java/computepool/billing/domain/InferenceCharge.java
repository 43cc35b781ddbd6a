package computepool.billing.domain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one inference request costs and who earns it. The charge is exact, rounded half up once:
 * {@code (prompt tokens × prompt price + completion tokens × completion price) / 1,000,000}. The platform's fee and
 * the operators' part are a largest-remainder split of that charge by the fee's basis points, and the operators'
 * part is split again among the workers by layers served × milliseconds served (by layers alone when no worker
 * reports time), then summed per operator. Every split sums exactly to what it splits.
 *
 * @param operatorEarnings by operator, in the order operators first appear among the workers
 */
public record InferenceCharge(long total, long platformFee, Map<String, Long> operatorEarnings) {

    private static final BigInteger TOKENS_PER_PRICE_UNIT = BigInteger.valueOf(1_000_000);

    public InferenceCharge {
        operatorEarnings = Collections.unmodifiableMap(new LinkedHashMap<>(operatorEarnings));
        long earned = operatorEarnings.values().stream().mapToLong(Long::longValue).sum();
        if (total < 0 || platformFee < 0 || platformFee + earned != total) {
            throw new IllegalArgumentException("a charge of " + total + " split into fee " + platformFee
                    + " and earnings " + operatorEarnings);
        }
    }

    /** One worker of the request's pipeline, as the usage event reports it. */
    public record WorkerServed(String workerId, String operatorId, int layerCount, long servedMillis) {

        public WorkerServed {
            Objects.requireNonNull(operatorId, "operatorId");
            if (layerCount < 0 || servedMillis < 0) {
                throw new IllegalArgumentException("worker " + workerId + " served " + layerCount + " layers for "
                        + servedMillis + " ms");
            }
        }
    }

    public static InferenceCharge of(long promptTokens, long completionTokens, ModelPrice price, PlatformFee fee,
            List<WorkerServed> workers) {
        return split(cost(promptTokens, completionTokens, price), fee, workers);
    }

    /** What the tokens cost at the price, rounded half up once. */
    public static long cost(long promptTokens, long completionTokens, ModelPrice price) {
        if (promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative: " + promptTokens + ", "
                    + completionTokens);
        }
        BigInteger cost = BigInteger.valueOf(promptTokens)
                .multiply(BigInteger.valueOf(price.promptNanoUsdPerMillionTokens()))
                .add(BigInteger.valueOf(completionTokens)
                        .multiply(BigInteger.valueOf(price.completionNanoUsdPerMillionTokens())));
        return Rounding.halfUp(cost, TOKENS_PER_PRICE_UNIT);
    }

    /** Splits a charge of {@code total} into the platform's fee and the workers' operators' earnings. */
    public static InferenceCharge split(long total, PlatformFee fee, List<WorkerServed> workers) {
        boolean anyWork = workers.stream().anyMatch(worker -> worker.layerCount() > 0);
        if (!anyWork) {
            // Nobody to pay: the whole charge is the platform's.
            return new InferenceCharge(total, total, Map.of());
        }
        List<Long> feeAndPool = LargestRemainder.split(total,
                List.of((long) fee.basisPoints(), (long) (PlatformFee.WHOLE - fee.basisPoints())));
        long pool = feeAndPool.get(1);
        boolean timed = workers.stream().anyMatch(worker -> worker.layerCount() > 0 && worker.servedMillis() > 0);
        List<Long> weights = new ArrayList<>(workers.size());
        for (WorkerServed worker : workers) {
            weights.add(timed ? Math.multiplyExact((long) worker.layerCount(), worker.servedMillis())
                    : worker.layerCount());
        }
        List<Long> parts = LargestRemainder.split(pool, weights);
        Map<String, Long> earnings = new LinkedHashMap<>();
        for (int i = 0; i < workers.size(); i++) {
            earnings.merge(workers.get(i).operatorId(), parts.get(i), Long::sum);
        }
        return new InferenceCharge(total, feeAndPool.get(0), earnings);
    }
}
