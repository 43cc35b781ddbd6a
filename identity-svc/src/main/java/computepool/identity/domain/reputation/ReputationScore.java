package computepool.identity.domain.reputation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A developer's reputation score, 0 to 100 points, in hundredths of a point so it is exact, the sum of one part per
 * signal (a signal not linked scores nothing):
 *
 * <table>
 * <tr><th>part</th><th>points</th><th>full at</th></tr>
 * <tr><td>{@code passport}</td><td>the Passport score, up to 40</td><td>40</td></tr>
 * <tr><td>{@code github.account-age}</td><td>10 × days / 730</td><td>two years</td></tr>
 * <tr><td>{@code github.public-repositories}</td><td>0.5 each, up to 10</td><td>20</td></tr>
 * <tr><td>{@code github.merged-pull-requests}</td><td>0.5 each in the last 12 months, up to 25</td><td>50</td></tr>
 * <tr><td>{@code github.merged-into-listed-projects}</td><td>1.5 each in the last 12 months, up to 15</td><td>10</td></tr>
 * </table>
 *
 * Each part is rounded down to the hundredth, except the Passport score, which is rounded half-up to it.
 */
public record ReputationScore(int totalHundredths, List<Part> parts) {

    public static final int MAX_HUNDREDTHS = 100_00;

    /** One signal's contribution: what was measured, what it earned and what it could earn. */
    public record Part(String signal, String measured, int pointsHundredths, int maxHundredths) {
    }

    public ReputationScore {
        parts = List.copyOf(parts);
    }

    public static ReputationScore of(ReputationSignals signals, Instant now) {
        List<Part> parts = new ArrayList<>();
        BigDecimal passport = signals.passport().map(ReputationSignals.Passport::score).orElse(BigDecimal.ZERO)
                .max(BigDecimal.ZERO).min(BigDecimal.valueOf(40));
        parts.add(new Part("passport", signals.passport().map(p -> p.score().toPlainString()).orElse("not linked"),
                passport.movePointRight(2).setScale(0, RoundingMode.HALF_UP).intValueExact(), 40_00));
        ReputationSignals.GitHub github = signals.github().orElse(null);
        long days = github == null ? 0
                : Math.max(0, Duration.between(github.accountCreatedAt(), now).toDays());
        parts.add(new Part("github.account-age", github == null ? "not linked" : days + " days",
                (int) (Math.min(days, 730) * 10_00 / 730), 10_00));
        parts.add(new Part("github.public-repositories",
                github == null ? "not linked" : String.valueOf(github.publicRepositories()),
                github == null ? 0 : Math.min(Math.max(github.publicRepositories(), 0), 20) * 50, 10_00));
        parts.add(new Part("github.merged-pull-requests",
                github == null ? "not linked" : String.valueOf(github.mergedPullRequests()),
                github == null ? 0 : Math.min(Math.max(github.mergedPullRequests(), 0), 50) * 50, 25_00));
        parts.add(new Part("github.merged-into-listed-projects",
                github == null ? "not linked" : String.valueOf(github.mergedIntoListedProjects()),
                github == null ? 0 : Math.min(Math.max(github.mergedIntoListedProjects(), 0), 10) * 150, 15_00));
        return new ReputationScore(parts.stream().mapToInt(Part::pointsHundredths).sum(), parts);
    }

    /** The total as a decimal number of points, e.g. {@code 52.75}. */
    public BigDecimal total() {
        return BigDecimal.valueOf(totalHundredths, 2);
    }
}
