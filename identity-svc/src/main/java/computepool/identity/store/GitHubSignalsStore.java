package computepool.identity.store;

import static computepool.identity.store.NativeSql.instant;
import static computepool.identity.store.NativeSql.rows;
import static computepool.identity.store.NativeSql.update;
import static computepool.identity.store.NativeSql.utc;

import computepool.identity.domain.reputation.ReputationSignals;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The GitHub signals last read for each developer. */
@ApplicationScoped
public class GitHubSignalsStore {

    /** The unique index whose violation means the GitHub account counts for another developer already. */
    public static final String GITHUB_ID_KEY = "github_signals_github_id_key";

    public Uni<Optional<ReputationSignals.GitHub>> current(UUID developer) {
        return rows("""
                select github_id, login, account_created_at, public_repositories, merged_pull_requests,
                       merged_into_listed_projects, read_at
                from github_signals where developer_id = :developer""", Map.of("developer", developer))
                .map(rows -> rows.stream().findFirst().map(row -> new ReputationSignals.GitHub(
                        ((Number) row[0]).longValue(), (String) row[1], instant(row[2]), ((Number) row[3]).intValue(),
                        ((Number) row[4]).intValue(), ((Number) row[5]).intValue(), instant(row[6]))));
    }

    /** The developers whose GitHub signals were read, for the scheduled rescoring. */
    public Uni<java.util.List<UUID>> developers() {
        return rows("select developer_id, read_at from github_signals order by read_at", Map.of())
                .map(rows -> rows.stream().map(row -> (UUID) row[0]).toList());
    }

    /** Keeps what was read, replacing the developer's earlier reading; a unique index refuses another's account. */
    public Uni<Integer> keep(UUID developer, ReputationSignals.GitHub github) {
        return update("""
                insert into github_signals (developer_id, github_id, login, account_created_at, public_repositories,
                    merged_pull_requests, merged_into_listed_projects, read_at)
                values (:developer, :githubId, :login, :created, :repositories, :merged, :listed, :readAt)
                on conflict (developer_id) do update set github_id = excluded.github_id, login = excluded.login,
                    account_created_at = excluded.account_created_at,
                    public_repositories = excluded.public_repositories,
                    merged_pull_requests = excluded.merged_pull_requests,
                    merged_into_listed_projects = excluded.merged_into_listed_projects, read_at = excluded.read_at""",
                Map.of("developer", developer, "githubId", github.accountId(), "login", github.login(),
                        "created", utc(github.accountCreatedAt()), "repositories", github.publicRepositories(),
                        "merged", github.mergedPullRequests(), "listed", github.mergedIntoListedProjects(),
                        "readAt", utc(github.readAt())));
    }
}
