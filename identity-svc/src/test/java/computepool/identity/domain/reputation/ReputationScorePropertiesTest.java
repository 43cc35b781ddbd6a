package computepool.identity.domain.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random signals against a reference written the plain way (decimal points, each part capped, then summed);
 * a failure names its seed, which {@code -Dreputation.seed=N} replays alone.
 */
class ReputationScorePropertiesTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    @Test
    void theScoreIsTheSumOfItsCappedPartsAndStaysWithinZeroToAHundred() {
        long first = Long.getLong("reputation.seed", 1);
        long runs = Long.getLong("reputation.seed") == null ? 5_000 : 1;
        for (long seed = first; seed < first + runs; seed++) {
            Random random = new Random(seed);
            ReputationSignals signals = signals(random);
            ReputationScore score = ReputationScore.of(signals, NOW);
            String context = "seed " + seed + ": " + signals;
            assertEquals(reference(signals), score.total(), context);
            assertEquals(score.totalHundredths(), score.parts().stream()
                    .mapToInt(ReputationScore.Part::pointsHundredths).sum(), context);
            assertTrue(score.parts().stream().allMatch(p -> p.pointsHundredths() >= 0
                    && p.pointsHundredths() <= p.maxHundredths()), context);
            assertTrue(score.totalHundredths() <= ReputationScore.MAX_HUNDREDTHS, context);
        }
    }

    private static BigDecimal reference(ReputationSignals signals) {
        BigDecimal total = signals.passport()
                .map(p -> p.score().max(BigDecimal.ZERO).min(BigDecimal.valueOf(40)).setScale(2, RoundingMode.HALF_UP))
                .orElse(BigDecimal.ZERO.setScale(2));
        if (signals.github().isPresent()) {
            ReputationSignals.GitHub github = signals.github().get();
            long days = Math.max(0, Duration.between(github.accountCreatedAt(), NOW).toDays());
            total = total.add(BigDecimal.TEN.multiply(BigDecimal.valueOf(Math.min(days, 730)))
                    .divide(BigDecimal.valueOf(730), 2, RoundingMode.DOWN));
            total = total.add(new BigDecimal("0.5").multiply(BigDecimal.valueOf(clamp(github.publicRepositories(), 20))));
            total = total.add(new BigDecimal("0.5").multiply(BigDecimal.valueOf(clamp(github.mergedPullRequests(), 50))));
            total = total.add(new BigDecimal("1.5").multiply(BigDecimal.valueOf(clamp(github.mergedIntoListedProjects(), 10))));
        }
        return total.setScale(2, RoundingMode.UNNECESSARY);
    }

    private static int clamp(int value, int max) {
        return Math.min(Math.max(value, 0), max);
    }

    private static ReputationSignals signals(Random random) {
        Optional<ReputationSignals.Passport> passport = random.nextInt(4) == 0 ? Optional.empty()
                : Optional.of(new ReputationSignals.Passport("0xabc",
                        BigDecimal.valueOf(random.nextLong(-1_000, 80_000_000), random.nextInt(7)), NOW));
        Optional<ReputationSignals.GitHub> github = random.nextInt(4) == 0 ? Optional.empty()
                : Optional.of(new ReputationSignals.GitHub(random.nextLong(1, 1L << 40), "login",
                        NOW.minus(Duration.ofHours(random.nextLong(-100, 24 * 3_000))), random.nextInt(-2, 60),
                        random.nextInt(-2, 120), random.nextInt(-2, 30), NOW));
        return new ReputationSignals(passport, github);
    }
}
