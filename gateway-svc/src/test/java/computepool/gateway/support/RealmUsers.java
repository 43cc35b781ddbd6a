package computepool.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.localstack.KeycloakTokens;
import computepool.localstack.LocalStack;
import computepool.localstack.LocalStackEnv;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Users of the stack's realm made for one test class through Keycloak's admin REST API, and removed after it: callers
 * whose counters in the shared Redis no other test and no earlier run has touched.
 */
public final class RealmUsers implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalStackEnv env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> made = new ArrayList<>();

    private RealmUsers(LocalStackEnv env) {
        this.env = env;
    }

    /** The stack the tests run against: the one its env file names, or the one started in this JVM. */
    public static RealmUsers ofTheStack() {
        return new RealmUsers(LocalStackEnv.locate().map(LocalStackEnv::read).orElseGet(() ->
                LocalStack.startInProcess(LocalStackTestResource.IN_PROCESS_HOME.toAbsolutePath())));
    }

    /** An access token of a new user holding {@code realmRoles} (none: a user who is not a developer). */
    public synchronized String newUsersToken(String namePrefix, List<String> realmRoles) {
        String admin = adminToken();
        String username = namePrefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = UUID.randomUUID().toString();
        ObjectNode user = JSON.createObjectNode()
                .put("username", username)
                .put("email", username + "@example.test")
                .put("firstName", namePrefix)
                .put("lastName", "Test")
                .put("enabled", true)
                .put("emailVerified", true);
        user.putArray("credentials").addObject().put("type", "password").put("value", password)
                .put("temporary", false);
        String location = send(admin, "POST", "/users", user.toString()).headers().firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("Keycloak made user " + username + " without a Location"));
        String userId = location.substring(location.lastIndexOf('/') + 1);
        made.add(userId);
        if (!realmRoles.isEmpty()) {
            ArrayNode roles = JSON.createArrayNode();
            for (String role : realmRoles) {
                roles.add(read(send(admin, "GET", "/roles/" + URLEncoder.encode(role, StandardCharsets.UTF_8),
                        null)));
            }
            send(admin, "POST", "/users/" + userId + "/role-mappings/realm", roles.toString());
        }
        return TestLogins.login(env, username, password);
    }

    @Override
    public synchronized void close() {
        if (made.isEmpty()) {
            return;
        }
        String admin = adminToken();
        made.forEach(userId -> send(admin, "DELETE", "/users/" + userId, null));
        made.clear();
    }

    private String adminToken() {
        return new KeycloakTokens(URI.create(env.require(LocalStackEnv.KEYCLOAK_URL)
                + "/realms/master/protocol/openid-connect/token"), "admin-cli", null)
                .passwordGrant(env.require(LocalStackEnv.KEYCLOAK_ADMIN_USERNAME),
                        env.require(LocalStackEnv.KEYCLOAK_ADMIN_PASSWORD));
    }

    private HttpResponse<String> send(String token, String method, String path, String body) {
        URI uri = URI.create(env.require(LocalStackEnv.KEYCLOAK_URL) + "/admin/realms/"
                + env.require(LocalStackEnv.KEYCLOAK_REALM) + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + uri + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response;
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach Keycloak at " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling " + uri, e);
        }
    }

    private static JsonNode read(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak answered no JSON: " + response.body(), e);
        }
    }
}
