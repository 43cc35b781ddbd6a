package computepool.identity.reputation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.identity.config.ReputationConfig;
import computepool.identity.domain.reputation.ReputationSignals;
import computepool.problems.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A developer's GitHub signals from GitHub's REST API, read with the developer's own token: the account
 * ({@code GET /user}: id, login, {@code created_at}, {@code public_repos}) and its pull requests merged in the last
 * twelve months, overall and into the listed projects (issue search, {@code total_count}).
 */
@ApplicationScoped
public class GitHubApi {

    private final ReputationConfig.GitHub config;
    private final ObjectMapper json;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public GitHubApi(ReputationConfig config, ObjectMapper json, Clock clock) {
        this.config = config.github();
        this.json = json;
        this.clock = clock;
    }

    public Uni<ReputationSignals.GitHub> read(String token) {
        Instant now = clock.instant();
        String since = now.atOffset(ZoneOffset.UTC).minusMonths(12).toLocalDate().toString();
        return get("/user", token).chain(user -> {
            String login = user.path("login").asText();
            String merged = "type:pr is:merged author:" + login + " merged:>=" + since;
            Uni<Integer> overall = count(merged, token);
            List<String> projects = config.projects().orElse(List.of());
            Uni<Integer> listed = projects.isEmpty() ? Uni.createFrom().item(0)
                    : count(merged + " " + projects.stream().map(p -> "repo:" + p).collect(Collectors.joining(" ")),
                            token);
            return Uni.combine().all().unis(overall, listed).asTuple().map(counts -> new ReputationSignals.GitHub(
                    user.path("id").asLong(), login, Instant.parse(user.path("created_at").asText()),
                    user.path("public_repos").asInt(), counts.getItem1(), counts.getItem2(), now));
        });
    }

    private Uni<Integer> count(String query, String token) {
        return get("/search/issues?per_page=1&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8), token)
                .map(found -> found.path("total_count").asInt());
    }

    private Uni<JsonNode> get(String path, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.apiUrl().toString().replaceAll("/+$", "") + path))
                .timeout(config.timeout())
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .GET().build();
        return HttpCalls.send(http, request)
                .onFailure().transform(failure -> new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "github",
                        "GitHub's API did not answer within " + config.timeout().toSeconds() + " s"))
                .map(response -> {
                    if (response.statusCode() == 401) {
                        throw new ProblemException(Response.Status.BAD_REQUEST, "github.token",
                                "GitHub refused the token Keycloak holds for you: sign in with GitHub again");
                    }
                    if (response.statusCode() != 200) {
                        throw new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "github",
                                "GitHub's API answered " + response.statusCode() + " to " + path.replaceAll("\\?.*", ""));
                    }
                    try {
                        return json.readTree(response.body());
                    } catch (IOException e) {
                        throw new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "github",
                                "GitHub's API answered something that is not JSON");
                    }
                });
    }
}
