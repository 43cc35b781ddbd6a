package computepool.identity.domain.reputation;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/** What is known of a developer's reputation, each signal linked by the developer and verified. */
public record ReputationSignals(Optional<Passport> passport, Optional<GitHub> github) {

    /** A Gitcoin Passport score (the scorer's, as the Passport API gives it) of the developer's proven address. */
    public record Passport(String address, BigDecimal score, Instant scoredAt) {
    }

    /**
     * The developer's GitHub account as GitHub's API showed it to the developer's own token: its age, its public
     * repositories, and its pull requests merged in the last twelve months, overall and into the listed projects.
     */
    public record GitHub(long accountId, String login, Instant accountCreatedAt, int publicRepositories,
            int mergedPullRequests, int mergedIntoListedProjects, Instant readAt) {
    }
}
