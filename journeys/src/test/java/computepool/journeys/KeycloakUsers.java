package computepool.journeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.localstack.KeycloakTokens;
import computepool.localstack.LocalStackEnv;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Users of the stack's realm made on the fly through Keycloak's admin REST API (signed in as the stack's bootstrap
 * administrator), for tests that need a developer or an administrator no other test shares.
 */
final class KeycloakUsers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalStackEnv env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private KeycloakUsers(LocalStackEnv env) {
        this.env = env;
    }

    static KeycloakUsers forEnv(LocalStackEnv env) {
        return new KeycloakUsers(env);
    }

    /** A user's login. */
    record Login(String username, String password) {
    }

    /** A new user with a random name and password, holding the realm roles given (e.g. developer, admin). */
    Login create(String namePrefix, List<String> realmRoles) {
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
        HttpResponse<String> created = send(admin, "POST", "/users", user.toString());
        String location = created.headers().firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("Keycloak made user " + username + " without a Location"));
        String userId = location.substring(location.lastIndexOf('/') + 1);
        ArrayNode roles = JSON.createArrayNode();
        for (String role : realmRoles) {
            roles.add(read(send(admin, "GET", "/roles/" + URLEncoder.encode(role, StandardCharsets.UTF_8), null)));
        }
        send(admin, "POST", "/users/" + userId + "/role-mappings/realm", roles.toString());
        return new Login(username, password);
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
