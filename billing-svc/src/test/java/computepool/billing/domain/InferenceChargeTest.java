package computepool.billing.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InferenceChargeTest {

    private static final PlatformFee TEN_PERCENT = new PlatformFee(Instant.EPOCH, 1_000);

    private static ModelPrice price(long prompt, long completion) {
        return new ModelPrice("m", Instant.EPOCH, prompt, completion);
    }

    private static InferenceCharge.WorkerServed worker(String operator, int layers, long millis) {
        return new InferenceCharge.WorkerServed("w-" + operator + layers + millis, operator, layers, millis);
    }

    @Test
    void theChargeIsExactThenRoundedHalfUpOnce() {
        // 1234 x 0.1 USD/M + 567 x 0.2 USD/M = 236,800 nano-USD exactly.
        assertEquals(236_800, InferenceCharge.of(1234, 567, price(100_000_000, 200_000_000), TEN_PERCENT,
                List.of(worker("a", 30, 1))).total());
        // 3 x 166,667 + 0 = 500,001 / 1,000,000 = 0.500001 → 1; 3 x 166,666 = 0.499998 → 0; 0.5 exactly → 1.
        assertEquals(1, InferenceCharge.of(3, 0, price(166_667, 0), TEN_PERCENT, List.of()).total());
        assertEquals(0, InferenceCharge.of(3, 0, price(166_666, 0), TEN_PERCENT, List.of()).total());
        assertEquals(1, InferenceCharge.of(1, 0, price(500_000, 0), TEN_PERCENT, List.of()).total());
        // A prompt token and a completion token at 0.4 nano-USD each: rounded once (0.8 → 1), not each (0 + 0).
        assertEquals(1, InferenceCharge.of(1, 1, price(400_000, 400_000), TEN_PERCENT, List.of()).total());
    }

    @Test
    void operatorsShareByLayersTimesTimeAndThePlatformKeepsItsFee() {
        InferenceCharge charge = InferenceCharge.of(1234, 567, price(100_000_000, 200_000_000), TEN_PERCENT,
                List.of(worker("op-1", 15, 100), worker("op-2", 15, 300)));
        assertEquals(23_680, charge.platformFee());
        assertEquals(Map.of("op-1", 53_280L, "op-2", 159_840L), charge.operatorEarnings());
    }

    @Test
    void workersOfOneOperatorAreAddedUpAndUntimedWorkSharesByLayers() {
        InferenceCharge charge = InferenceCharge.of(1_000_000, 0, price(1_000, 0), TEN_PERCENT,
                List.of(worker("op-1", 10, 0), worker("op-2", 10, 0), worker("op-1", 10, 0)));
        assertEquals(1_000, charge.total());
        assertEquals(Map.of("op-1", 600L, "op-2", 300L), charge.operatorEarnings());
        assertEquals(100, charge.platformFee());
    }

    @Test
    void withoutWorkersEverythingIsThePlatforms() {
        InferenceCharge charge = InferenceCharge.of(1_000_000, 0, price(77, 0), TEN_PERCENT, List.of());
        assertEquals(77, charge.platformFee());
        assertTrue(charge.operatorEarnings().isEmpty());
    }

    @Test
    void largestRemainderPartsAlwaysSumToTheWhole() {
        Random random = new Random(7);
        for (int round = 0; round < 10_000; round++) {
            long total = random.nextLong(0, 1_000_000_000_000L);
            List<Long> weights = random.longs(random.nextInt(1, 8), 0, 10_000).boxed().toList();
            if (weights.stream().allMatch(weight -> weight == 0)) {
                continue;
            }
            List<Long> parts = LargestRemainder.split(total, weights);
            assertEquals(total, parts.stream().mapToLong(Long::longValue).sum());
            long weightSum = weights.stream().mapToLong(Long::longValue).sum();
            for (int i = 0; i < parts.size(); i++) {
                BigInteger exactTimesSum = BigInteger.valueOf(total).multiply(BigInteger.valueOf(weights.get(i)));
                BigInteger partTimesSum = BigInteger.valueOf(parts.get(i)).multiply(BigInteger.valueOf(weightSum));
                // Each part is within one unit of its exact share.
                assertTrue(partTimesSum.subtract(exactTimesSum).abs().compareTo(BigInteger.valueOf(weightSum)) < 0);
            }
        }
        assertEquals(List.of(2L, 1L), LargestRemainder.split(3, List.of(1L, 1L)), "ties go to the earlier part");
        assertThrows(IllegalArgumentException.class, () -> LargestRemainder.split(5, List.of(0L, 0L)));
    }

    @Test
    void subsidisedCreditIsSpentFirstAndEveryBookingBalances() {
        InferenceCharge charge = InferenceCharge.of(1234, 567, price(100_000_000, 200_000_000), TEN_PERCENT,
                List.of(worker("op-1", 15, 100), worker("op-2", 15, 300)));
        UUID paid = UUID.randomUUID();
        UUID subsidised = UUID.randomUUID();
        UUID platform = UUID.randomUUID();
        Map<String, UUID> operators = Map.of("op-1", UUID.randomUUID(), "op-2", UUID.randomUUID());
        for (long balance : new long[] { 0, 1, 100_000, 236_800, 1_000_000, -5 }) {
            List<Posting> postings = ChargeBooking.postings(charge, paid, subsidised, balance, operators, platform);
            LedgerEntry entry = new LedgerEntry(UUID.randomUUID(), LedgerEntry.INFERENCE, "r", Instant.EPOCH, postings);
            long fromSubsidised = -amountOf(entry, subsidised);
            assertEquals(Math.min(Math.max(balance, 0), 236_800), fromSubsidised);
            assertEquals(-(236_800 - fromSubsidised), amountOf(entry, paid));
            assertEquals(23_680, amountOf(entry, platform));
        }
        assertThrows(IllegalArgumentException.class, () -> new LedgerEntry(UUID.randomUUID(), "x", "r", Instant.EPOCH,
                List.of(new Posting(paid, -5), new Posting(platform, 4))));
    }

    private static long amountOf(LedgerEntry entry, UUID account) {
        return entry.postings().stream().filter(posting -> posting.accountId().equals(account))
                .mapToLong(Posting::amountNanoUsd).sum();
    }
}
