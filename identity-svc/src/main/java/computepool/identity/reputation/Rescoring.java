package computepool.identity.reputation;

import computepool.identity.domain.reputation.ReputationScore;
import computepool.identity.domain.reputation.ReputationSignals;
import computepool.identity.store.GitHubSignalsStore;
import computepool.identity.store.PassportLinkStore;
import computepool.identity.store.ReputationScoreStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * Computes a developer's score from its linked signals and records it when it differs from the last one recorded
 * (or when a link changed), so the history shows every change and why. Call inside a transaction.
 */
@ApplicationScoped
public class Rescoring {

    private final PassportLinkStore passports;
    private final GitHubSignalsStore github;
    private final ReputationScoreStore scores;

    public Rescoring(PassportLinkStore passports, GitHubSignalsStore github, ReputationScoreStore scores) {
        this.passports = passports;
        this.github = github;
        this.scores = scores;
    }

    /** A score just computed, with the signals it was computed from, so an answer needs no second read. */
    public record Rescored(ReputationSignals signals, ReputationScore score, ReputationScoreStore.Cause cause,
            Instant at) {
    }

    public Uni<Rescored> rescore(UUID developer, ReputationScoreStore.Cause cause, Instant at) {
        return signals(developer).chain(signals -> {
            ReputationScore score = ReputationScore.of(signals, at);
            Rescored rescored = new Rescored(signals, score, cause, at);
            return scores.latest(developer).chain(latest -> {
                boolean same = latest.map(ReputationScoreStore.Scored::score).filter(score::equals).isPresent();
                if (same && cause == ReputationScoreStore.Cause.SCHEDULED) {
                    return Uni.createFrom().item(rescored);
                }
                return scores.record(developer, score, cause, at).replaceWith(rescored);
            });
        });
    }

    public Uni<ReputationSignals> signals(UUID developer) {
        return passports.current(developer).chain(passport -> github.current(developer)
                .map(read -> new ReputationSignals(passport, read)));
    }
}
