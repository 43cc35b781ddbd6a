package computepool.localstack.quarkus;

import computepool.localstack.LocalStack;
import computepool.localstack.LocalStackEnv;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Access tokens of the realm's test users from the stack's real Keycloak (password grant through
 * the confidential API client), for tests that call a service as a signed-in user.
 */
public final class TestLogins {

    /** Well inside Keycloak's default five-minute access-token lifespan. */
    private static final Duration REUSE = Duration.ofSeconds(60);
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static final Map<String, Token> CACHE = new ConcurrentHashMap<>();

    private record Token(String value, Instant obtained) {
    }

    private TestLogins() {
    }

    /** A token of the test developer (realm role {@code developer}). */
    public static String developer() {
        LocalStackEnv env = env();
        return login(env, env.require(LocalStackEnv.TEST_DEVELOPER_USERNAME), env.require(LocalStackEnv.TEST_DEVELOPER_PASSWORD));
    }

    /** A token of the test admin (realm roles {@code admin} and {@code developer}). */
    public static String admin() {
        LocalStackEnv env = env();
        return login(env, env.require(LocalStackEnv.TEST_ADMIN_USERNAME), env.require(LocalStackEnv.TEST_ADMIN_PASSWORD));
    }

    /** A fresh token for any user of the realm. */
    public static String login(LocalStackEnv env, String username, String password) {
        Token cached = CACHE.get(username);
        if (cached != null && cached.obtained().plus(REUSE).isAfter(Instant.now())) {
            return cached.value();
        }
        String form = "grant_type=password"
                + "&client_id=" + encode(env.require(LocalStackEnv.KEYCLOAK_API_CLIENT_ID))
                + "&client_secret=" + encode(env.require(LocalStackEnv.KEYCLOAK_API_CLIENT_SECRET))
                + "&username=" + encode(username)
                + "&password=" + encode(password);
        HttpRequest request = HttpRequest.newBuilder(URI.create(env.realmUrl() + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher token = ACCESS_TOKEN.matcher(response.body());
            if (response.statusCode() != 200 || !token.find()) {
                throw new IllegalStateException("Keycloak refused the login of " + username + ": HTTP "
                        + response.statusCode() + " " + response.body());
            }
            CACHE.put(username, new Token(token.group(1), Instant.now()));
            return token.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak did not answer the login of " + username, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the login of " + username, e);
        }
    }

    private static LocalStackEnv env() {
        return LocalStackEnv.locate().map(LocalStackEnv::read)
                .orElseGet(() -> LocalStack.startInProcess(LocalStackTestResource.IN_PROCESS_HOME.toAbsolutePath()));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
