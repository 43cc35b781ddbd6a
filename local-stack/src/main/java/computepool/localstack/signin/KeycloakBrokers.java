package computepool.localstack.signin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.localstack.KeycloakLauncher;
import computepool.localstack.KeycloakTokens;
import computepool.localstack.LocalStackEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack's Keycloak seen through its admin REST API, for sign-in tests: points the realm's identity brokers at
 * local servers (the GitHub broker at a {@link LocalGitHub}, the Google broker — a generic OpenID Connect broker — at
 * a second realm of the same Keycloak that plays Google), creates users, and reads which providers a user is linked
 * to. The realm file itself keeps production's addresses.
 */
public final class KeycloakBrokers {

    /** The realm standing in for Google: a real OpenID Connect provider. */
    public static final String GOOGLE_REALM = "local-google";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The master realm's admin tokens live a minute; one is reused for half of that. */
    private static final Duration TOKEN_REUSE = Duration.ofSeconds(30);

    private final LocalStackEnv env;
    private final String keycloak;
    private final KeycloakTokens adminTokens;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String adminToken;
    private Instant adminTokenAt = Instant.EPOCH;

    public KeycloakBrokers(LocalStackEnv env) {
        this.env = env;
        this.keycloak = env.require(LocalStackEnv.KEYCLOAK_URL);
        this.adminTokens = new KeycloakTokens(URI.create(keycloak + "/realms/master/protocol/openid-connect/token"),
                "admin-cli", null);
    }

    /** Where Keycloak's GitHub broker sends GitHub's answers: the callback a GitHub OAuth app registers. */
    public String brokerCallback(String alias) {
        return env.realmUrl() + "/broker/" + alias + "/endpoint";
    }

    /** A {@link LocalGitHub} that knows the stack's GitHub OAuth app, with the GitHub broker pointed at it. */
    public LocalGitHub startLocalGitHub() {
        LocalGitHub github = LocalGitHub.start(env.require(LocalStackEnv.brokerClientIdKey("github")),
                env.require(LocalStackEnv.brokerClientSecretKey("github")), brokerCallback("github"));
        ObjectNode provider = identityProvider("github");
        ObjectNode config = (ObjectNode) provider.get("config");
        config.put("baseUrl", github.baseUrl().toString());
        config.put("apiUrl", github.apiUrl().toString());
        putIdentityProvider("github", provider);
        return github;
    }

    /**
     * The realm {@value #GOOGLE_REALM} (created when missing) with the stack's Google OAuth client, and the Google
     * broker pointed at it through the endpoints its discovery document names.
     */
    public void useLocalGoogle() {
        String issuer = keycloak + "/realms/" + GOOGLE_REALM;
        ObjectNode realm = JSON.createObjectNode();
        realm.put("realm", GOOGLE_REALM);
        realm.put("displayName", "Google (local)");
        realm.put("enabled", true);
        realm.put("registrationAllowed", false);
        ObjectNode client = realm.putArray("clients").addObject();
        client.put("clientId", env.require(LocalStackEnv.brokerClientIdKey("google")));
        client.put("secret", env.require(LocalStackEnv.brokerClientSecretKey("google")));
        client.put("publicClient", false);
        client.put("standardFlowEnabled", true);
        client.put("directAccessGrantsEnabled", false);
        client.putArray("redirectUris").add(brokerCallback("google"));
        int created = send("POST", "/admin/realms", realm.toString()).statusCode();
        if (created == 409) {
            // Made by an earlier run of this stack, whose Keycloak may have listened on another port.
            JsonNode existing = read("/admin/realms/" + GOOGLE_REALM + "/clients?clientId="
                    + URLEncoder.encode(client.path("clientId").asText(), StandardCharsets.UTF_8)).get(0);
            ObjectNode updated = ((ObjectNode) existing).setAll(client);
            HttpResponse<String> response = send("PUT", "/admin/realms/" + GOOGLE_REALM + "/clients/"
                    + existing.path("id").asText(), updated.toString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("cannot update the client of " + GOOGLE_REALM + ": "
                        + response.statusCode() + " " + response.body());
            }
        } else if (created != 201) {
            throw new IllegalStateException("cannot create realm " + GOOGLE_REALM + ": " + created);
        }
        JsonNode discovery = read(issuer + "/.well-known/openid-configuration");
        ObjectNode provider = identityProvider("google");
        ObjectNode config = (ObjectNode) provider.get("config");
        config.put("issuer", discovery.path("issuer").asText());
        config.put("authorizationUrl", discovery.path("authorization_endpoint").asText());
        config.put("tokenUrl", discovery.path("token_endpoint").asText());
        config.put("userInfoUrl", discovery.path("userinfo_endpoint").asText());
        config.put("jwksUrl", discovery.path("jwks_uri").asText());
        putIdentityProvider("google", provider);
    }

    /** A developer of the platform's realm (realm role {@code developer}) with a password; returns its id. */
    public String createDeveloper(String username, String email, boolean emailVerified, String password,
            String firstName, String lastName) {
        String id = createUser(KeycloakLauncher.REALM, username, email, emailVerified, password, firstName, lastName);
        JsonNode role = read("/admin/realms/" + KeycloakLauncher.REALM + "/roles/developer");
        HttpResponse<String> granted = send("POST", "/admin/realms/" + KeycloakLauncher.REALM + "/users/" + id
                + "/role-mappings/realm", JSON.createArrayNode().add(role).toString());
        if (granted.statusCode() / 100 != 2) {
            throw new IllegalStateException("cannot make " + username + " a developer: " + granted.statusCode());
        }
        return id;
    }

    /** A user of the realm {@code realm} with a password and only the realm's default roles; returns its id. */
    public String createUser(String realm, String username, String email, boolean emailVerified, String password,
            String firstName, String lastName) {
        ObjectNode user = JSON.createObjectNode();
        user.put("username", username);
        user.put("email", email);
        user.put("emailVerified", emailVerified);
        user.put("enabled", true);
        user.put("firstName", firstName);
        user.put("lastName", lastName);
        ObjectNode credential = user.putArray("credentials").addObject();
        credential.put("type", "password");
        credential.put("value", password);
        credential.put("temporary", false);
        HttpResponse<String> response = send("POST", "/admin/realms/" + realm + "/users", user.toString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("cannot create user " + username + " in " + realm + ": "
                    + response.statusCode() + " " + response.body());
        }
        String location = response.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** The aliases of the identity providers a user of the platform's realm is linked to. */
    public List<String> linkedProviders(String userId) {
        List<String> aliases = new ArrayList<>();
        read("/admin/realms/" + KeycloakLauncher.REALM + "/users/" + userId + "/federated-identity")
                .forEach(link -> aliases.add(link.path("identityProvider").asText()));
        return aliases;
    }

    /** The platform realm's users whose username, email or name contains {@code search}. */
    public ArrayNode users(String search) {
        return (ArrayNode) read("/admin/realms/" + KeycloakLauncher.REALM + "/users?search="
                + URLEncoder.encode(search, StandardCharsets.UTF_8));
    }

    private ObjectNode identityProvider(String alias) {
        return (ObjectNode) read("/admin/realms/" + KeycloakLauncher.REALM + "/identity-provider/instances/" + alias);
    }

    private void putIdentityProvider(String alias, ObjectNode provider) {
        HttpResponse<String> response = send("PUT",
                "/admin/realms/" + KeycloakLauncher.REALM + "/identity-provider/instances/" + alias,
                provider.toString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("cannot update identity provider " + alias + ": " + response.statusCode()
                    + " " + response.body());
        }
    }

    private JsonNode read(String pathOrUrl) {
        HttpResponse<String> response = send("GET", pathOrUrl, null);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + pathOrUrl + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized String adminToken() {
        if (adminToken == null || adminTokenAt.plus(TOKEN_REUSE).isBefore(Instant.now())) {
            adminToken = adminTokens.passwordGrant(env.require(LocalStackEnv.KEYCLOAK_ADMIN_USERNAME),
                    env.require(LocalStackEnv.KEYCLOAK_ADMIN_PASSWORD));
            adminTokenAt = Instant.now();
        }
        return adminToken;
    }

    private HttpResponse<String> send(String method, String pathOrUrl, String json) {
        URI uri = URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : keycloak + pathOrUrl);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminToken())
                .header("Accept", "application/json");
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
