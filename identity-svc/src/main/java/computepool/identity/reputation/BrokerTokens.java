package computepool.identity.reputation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.problems.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The GitHub token Keycloak's GitHub broker keeps for a developer ({@code storeToken}), read through Keycloak's
 * {@code GET /realms/{realm}/broker/github/token} with the developer's own access token, which carries the client
 * role {@code broker.read-token}. No one's token but the caller's own can be read this way.
 */
@ApplicationScoped
public class BrokerTokens {

    /** What reading a developer's contributions needs: the profile (search is public to any token). */
    static final Set<String> PROFILE_SCOPES = Set.of("read:user", "user");

    private final URI realm;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public BrokerTokens(@ConfigProperty(name = "quarkus.oidc.auth-server-url") URI realm, ObjectMapper json) {
        this.realm = realm;
        this.json = json;
    }

    /** A GitHub token and the scopes GitHub granted it. */
    public record GitHubToken(String accessToken, Set<String> scopes) {
    }

    public Uni<GitHubToken> github(String callerAccessToken) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(realm.toString().replaceAll("/+$", "")
                        + "/broker/github/token"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + callerAccessToken).GET().build();
        return HttpCalls.send(http, request)
                .onFailure().transform(failure -> new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "github",
                        "Keycloak did not answer for your GitHub token"))
                .map(response -> switch (response.statusCode()) {
                    case 200 -> token(response.body());
                    case 400, 404 -> throw new ProblemException(Response.Status.BAD_REQUEST, "github",
                            "no GitHub account is linked to you: sign in with GitHub, or link it, first");
                    case 401, 403 -> throw new ProblemException(Response.Status.FORBIDDEN, "github",
                            "your sign-in may not read the GitHub token Keycloak holds (role broker.read-token)");
                    default -> throw new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "github",
                            "Keycloak answered " + response.statusCode() + " for your GitHub token");
                })
                .invoke(token -> {
                    if (token.scopes().stream().noneMatch(PROFILE_SCOPES::contains)) {
                        throw new ProblemException(Response.Status.BAD_REQUEST, "github.scope",
                                "the GitHub token holds the scopes " + token.scopes() + "; reading your contributions"
                                        + " needs read:user: sign in with GitHub again and grant it");
                    }
                });
    }

    /** Keycloak hands back GitHub's token answer as GitHub gave it: form-encoded, or JSON. */
    private GitHubToken token(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        String text = body.strip();
        if (text.startsWith("{")) {
            try {
                JsonNode answer = json.readTree(text);
                answer.fields().forEachRemaining(field -> fields.put(field.getKey(), field.getValue().asText()));
            } catch (IOException e) {
                throw new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "github",
                        "the GitHub token Keycloak holds is unreadable");
            }
        } else {
            for (String pair : text.split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    fields.put(pair.substring(0, equals),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        String access = fields.get("access_token");
        if (access == null || access.isBlank()) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "github",
                    "Keycloak holds no GitHub token for you: sign in with GitHub again");
        }
        Set<String> scopes = Arrays.stream(fields.getOrDefault("scope", "").split("[ ,]+"))
                .filter(scope -> !scope.isBlank()).collect(Collectors.toSet());
        return new GitHubToken(access, scopes);
    }
}
