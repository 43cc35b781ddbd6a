package computepool.identity.reputation;

import computepool.identity.domain.reputation.ReputationScore;
import computepool.identity.store.GitHubSignalsStore;
import computepool.identity.store.ReputationScoreStore;
import computepool.problems.ProblemException;
import computepool.problems.UniqueViolation;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.UUID;

/**
 * Reads a developer's GitHub signals with its own GitHub token (from Keycloak's broker) and rescores it. The account
 * read is the one linked to the developer in Keycloak, which links a GitHub account to one developer only; a second
 * developer presenting the same account is refused here too.
 */
@ApplicationScoped
public class GitHubSignals {

    private final BrokerTokens tokens;
    private final GitHubApi github;
    private final GitHubSignalsStore signals;
    private final Rescoring rescoring;
    private final Clock clock;

    public GitHubSignals(BrokerTokens tokens, GitHubApi github, GitHubSignalsStore signals, Rescoring rescoring,
            Clock clock) {
        this.tokens = tokens;
        this.github = github;
        this.signals = signals;
        this.rescoring = rescoring;
        this.clock = clock;
    }

    /** Reads and keeps the signals, then rescores; runs its own transaction after GitHub answered. */
    public Uni<Rescoring.Rescored> read(UUID developer, String callerAccessToken) {
        return tokens.github(callerAccessToken)
                .chain(token -> github.read(token.accessToken()))
                .chain(read -> Panache.withTransaction(() -> signals.keep(developer, read)
                        .onFailure(f -> UniqueViolation.on(f, GitHubSignalsStore.GITHUB_ID_KEY))
                        .transform(f -> new ProblemException(Response.Status.CONFLICT, "github",
                                "this GitHub account counts for another developer already"))
                        .chain(() -> rescoring.rescore(developer, ReputationScoreStore.Cause.GITHUB_READ,
                                clock.instant()))));
    }
}
