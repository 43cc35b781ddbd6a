package computepool.localstack.signin;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The merged pull requests a {@link LocalGitHub} holds, and GitHub's issue search over them for the qualifiers a
 * contribution count uses: {@code type:pr}, {@code is:merged}, {@code author:}, {@code merged:>=YYYY-MM-DD} and
 * {@code repo:} (several are or-ed, as on GitHub). Any other qualifier matches nothing.
 */
final class PullRequestSearch {

    /** A pull request {@code author} (a login) had merged into {@code repository} ({@code owner/name}). */
    private record PullRequest(String author, String repository, Instant mergedAt) {
    }

    private final List<PullRequest> merged = new CopyOnWriteArrayList<>();

    void add(String author, String repository, Instant mergedAt) {
        merged.add(new PullRequest(author, repository, mergedAt));
    }

    long count(String q) {
        String author = null;
        LocalDate since = null;
        List<String> repositories = new ArrayList<>();
        for (String term : q.split("\\s+")) {
            if (term.isEmpty() || term.equals("type:pr") || term.equals("is:merged")) {
                continue;
            }
            if (term.startsWith("author:")) {
                author = term.substring("author:".length());
            } else if (term.startsWith("merged:>=")) {
                since = LocalDate.parse(term.substring("merged:>=".length()));
            } else if (term.startsWith("repo:")) {
                repositories.add(term.substring("repo:".length()));
            } else {
                return 0;
            }
        }
        String who = author;
        Instant from = since == null ? Instant.MIN : since.atStartOfDay(ZoneOffset.UTC).toInstant();
        return merged.stream()
                .filter(pr -> who == null || pr.author().equalsIgnoreCase(who))
                .filter(pr -> !pr.mergedAt().isBefore(from))
                .filter(pr -> repositories.isEmpty() || repositories.contains(pr.repository()))
                .count();
    }
}
