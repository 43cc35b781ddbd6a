package computepool.localstack.signin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.localstack.LocalStackEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Signing in to the portal as a browser does: the authorization code flow with PKCE of the public client
 * {@code computepool-portal} through Keycloak's own pages, ending with the portal's tokens. The callback is a
 * loopback address nothing listens on; the {@link Browser} stops there.
 */
public final class PortalSignIn {

    public static final URI CALLBACK = URI.create("http://127.0.0.1:9/portal/callback");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LocalStackEnv env;
    private final Browser browser = new Browser(uri -> uri.toString().startsWith(CALLBACK.toString()));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String verifier;
    private String state;

    /** The portal's tokens after a sign-in: {@code subject} is the Keycloak user the sign-in landed as. */
    public record Tokens(String accessToken, String subject, String email) {
    }

    public PortalSignIn(LocalStackEnv env) {
        this.env = env;
    }

    public Browser browser() {
        return browser;
    }

    /** Opens the portal's authorization request (with {@code extra} parameters, e.g. {@code kc_action}). */
    public Browser.Page begin(Map<String, String> extra) {
        verifier = random(32);
        state = random(16);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", env.require(LocalStackEnv.KEYCLOAK_PORTAL_CLIENT_ID));
        query.put("redirect_uri", CALLBACK.toString());
        query.put("response_type", "code");
        query.put("scope", "openid email profile");
        query.put("state", state);
        query.put("nonce", random(16));
        query.put("code_challenge", challenge(verifier));
        query.put("code_challenge_method", "S256");
        query.putAll(extra);
        return browser.open(URI.create(env.realmUrl() + "/protocol/openid-connect/auth?" + encode(query)));
    }

    /** Exchanges the code the callback received for the portal's tokens. */
    public Tokens finish(Browser.Page arrived) {
        Map<String, String> callback = LocalHttp.form(arrived.arrival().getRawQuery());
        if (!state.equals(callback.get("state"))) {
            throw new AssertionError("the callback's state is not the request's: " + arrived.arrival());
        }
        if (callback.containsKey("error") || !callback.containsKey("code")) {
            throw new AssertionError("the sign-in ended without a code: " + arrived.arrival());
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("client_id", env.require(LocalStackEnv.KEYCLOAK_PORTAL_CLIENT_ID));
        form.put("code", callback.get("code"));
        form.put("redirect_uri", CALLBACK.toString());
        form.put("code_verifier", verifier);
        JsonNode answer = post(URI.create(env.realmUrl() + "/protocol/openid-connect/token"), encode(form));
        String accessToken = answer.path("access_token").asText();
        JsonNode claims = claims(accessToken);
        return new Tokens(accessToken, claims.path("sub").asText(), claims.path("email").asText(null));
    }

    private JsonNode post(URI uri, String body) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("token endpoint answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new AssertionError("not a JWT: " + jwt);
        }
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(Map<String, String> values) {
        return values.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String random(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }
}
