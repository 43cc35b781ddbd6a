package computepool.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Access tokens from the stack's Keycloak, for tests that call secured endpoints: a user's through the password grant,
 * a service's own through the client-credentials grant.
 */
public final class KeycloakTokens {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

    private final URI tokenEndpoint;
    private final String clientId;
    private final String clientSecret;
    private final HttpClient http;

    /** With {@code clientSecret} null for a public client such as {@code admin-cli}. */
    public KeycloakTokens(URI tokenEndpoint, String clientId, String clientSecret) {
        this.tokenEndpoint = tokenEndpoint;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Tokens for the confidential API client of the stack described by {@code env}. */
    public static KeycloakTokens forEnv(LocalStackEnv env) {
        return new KeycloakTokens(URI.create(env.realmUrl() + "/protocol/openid-connect/token"),
                env.require(LocalStackEnv.KEYCLOAK_API_CLIENT_ID), env.require(LocalStackEnv.KEYCLOAK_API_CLIENT_SECRET));
    }

    /** Tokens of a service's own Keycloak client ({@link KeycloakLauncher#SERVICE_CLIENTS}), as the service gets them. */
    public static KeycloakTokens forService(LocalStackEnv env, String service) {
        return new KeycloakTokens(URI.create(env.realmUrl() + "/protocol/openid-connect/token"), service,
                env.require(LocalStackEnv.serviceClientSecretKey(service)));
    }

    public String passwordGrant(String username, String password) {
        Map<String, String> form = form("password");
        form.put("username", username);
        form.put("password", password);
        form.put("scope", "openid");
        return grant(form, "password grant for " + username);
    }

    /** The client's own token: what a service presents on internal gRPC. */
    public String clientCredentialsGrant() {
        return grant(form("client_credentials"), "client-credentials grant for " + clientId);
    }

    private Map<String, String> form(String grantType) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", grantType);
        form.put("client_id", clientId);
        if (clientSecret != null) {
            form.put("client_secret", clientSecret);
        }
        return form;
    }

    private String grant(Map<String, String> form, String what) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach Keycloak at " + tokenEndpoint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + tokenEndpoint + " for a token", e);
        }
        Matcher token = ACCESS_TOKEN.matcher(response.body());
        if (response.statusCode() != 200 || !token.find()) {
            throw new IllegalStateException(what + " failed with HTTP "
                    + response.statusCode() + ": " + response.body());
        }
        return token.group(1);
    }
}
