package computepool.identity.api;

import static computepool.auth.InternalCalls.assertRefused;
import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.unauthorized;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.auth.InternalCalls;
import computepool.identity.v1.ApiKeyServiceGrpc;
import computepool.identity.v1.KeyRejection;
import computepool.identity.v1.VerifyKeyRequest;
import computepool.identity.v1.VerifyKeyResponse;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.agroal.api.AgroalDataSource;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "identity_test"))
class ApiKeyResourceTest {

    @TestHTTPResource("/")
    URL server;

    @Inject
    GrpcServer grpc;

    @Inject
    AgroalDataSource database;

    private ManagedChannel channel;
    private ApiKeyServiceGrpc.ApiKeyServiceBlockingStub verifier;

    @BeforeEach
    void connect() {
        channel = InternalCalls.channel(grpc.getPort());
        verifier = InternalCalls.bearing(ApiKeyServiceGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"));
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    private VerifyKeyResponse verify(String secret) {
        return verifier.verifyKey(VerifyKeyRequest.newBuilder().setSecret(secret).build());
    }

    private static JsonPath create(String token, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .when().post("/v1/api-keys")
                .then().statusCode(201)
                .extract().jsonPath();
    }

    private static String developerId(String token) {
        return given().auth().oauth2(token).when().get("/v1/developers/me")
                .then().statusCode(200).extract().path("id");
    }

    @Test
    void aCreatedKeyIsShownOnceListedByPrefixAndVerifies() {
        String token = TestLogins.developer();
        String name = "laptop " + UUID.randomUUID();
        JsonPath created = create(token, "{\"name\": \"" + name + "\"}");
        String secret = created.getString("secret");
        String id = created.getString("id");
        assertTrue(secret.matches("cp_[0-9A-Za-z]{40}"), secret);
        assertEquals(secret.substring(0, 11), created.getString("prefix"));
        assertEquals(List.of("inference"), created.getList("scopes"));
        assertEquals("active", created.getString("state"));

        given().auth().oauth2(token).when().get("/v1/api-keys")
                .then().statusCode(200)
                .body("keys.find { it.id == '%s' }.name".formatted(id), equalTo(name))
                .body("keys.find { it.id == '%s' }.prefix".formatted(id), equalTo(secret.substring(0, 11)))
                .body("keys.find { it.id == '%s' }.createdAt".formatted(id), equalTo(created.getString("createdAt")))
                .body("keys.find { it.id == '%s' }.secret".formatted(id), nullValue())
                .body("keys.find { it.id == '%s' }.lastUsedAt".formatted(id), nullValue());

        VerifyKeyResponse verified = verify(secret);
        assertTrue(verified.getValid());
        assertEquals(id, verified.getKeyId());
        assertEquals(developerId(token), verified.getDeveloperId());
        assertEquals(List.of("inference"), verified.getScopesList());
        assertEquals(60, verified.getRateLimits().getRequestsPerMinute());
        assertEquals(100_000, verified.getRateLimits().getTokensPerMinute());
        assertFalse(verified.hasExpiresAt());

        given().auth().oauth2(token).when().get("/v1/api-keys/" + id)
                .then().statusCode(200).body("lastUsedAt", notNullValue());
    }

    @Test
    void onlyAKeyedHashOfTheSecretIsStored() throws SQLException {
        String secret = create(TestLogins.developer(), "{\"name\": \"stored\"}").getString("secret");
        try (Connection connection = database.getConnection();
                PreparedStatement rows = connection.prepareStatement("select * from api_key");
                ResultSet result = rows.executeQuery()) {
            int columns = result.getMetaData().getColumnCount();
            int seen = 0;
            while (result.next()) {
                seen++;
                for (int column = 1; column <= columns; column++) {
                    byte[] value = result.getBytes(column);
                    String text = value == null ? "" : new String(value, StandardCharsets.ISO_8859_1);
                    assertFalse(text.contains(secret.substring(11)), "column "
                            + result.getMetaData().getColumnName(column) + " holds the secret");
                }
            }
            assertTrue(seen > 0);
        }
    }

    @Test
    void scopesAndExpiryAreKeptAndAKeyStopsAtItsExpiry() {
        String token = TestLogins.developer();
        Instant expiresAt = Instant.now().plusSeconds(3);
        JsonPath created = create(token, """
                {"name": "short-lived", "scopes": ["market", "inference", "market"], "expiresAt": "%s"}
                """.formatted(expiresAt));
        assertEquals(List.of("market", "inference"), created.getList("scopes"));
        String secret = created.getString("secret");

        VerifyKeyResponse verified = verify(secret);
        assertTrue(verified.getValid());
        assertEquals(List.of("market", "inference"), verified.getScopesList());
        assertEquals(expiresAt.getEpochSecond(), verified.getExpiresAt().getSeconds());

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> verify(secret).getRejection() == KeyRejection.KEY_REJECTION_EXPIRED);
        assertFalse(verify(secret).getValid());
        given().auth().oauth2(token).when().get("/v1/api-keys/" + created.getString("id"))
                .then().statusCode(200).body("state", equalTo("expired"));
    }

    @Test
    void aRevokedKeyIsRejectedAtOnceAndRevokingAgainChangesNothing() {
        String token = TestLogins.developer();
        JsonPath created = create(token, "{\"name\": \"to revoke\"}");
        String id = created.getString("id");
        String secret = created.getString("secret");
        assertTrue(verify(secret).getValid());

        String revokedAt = given().auth().oauth2(token).when().delete("/v1/api-keys/" + id)
                .then().statusCode(200)
                .body("state", equalTo("revoked"))
                .body("revokedAt", notNullValue())
                .extract().path("revokedAt");
        VerifyKeyResponse rejected = verify(secret);
        assertFalse(rejected.getValid());
        assertEquals(KeyRejection.KEY_REJECTION_REVOKED, rejected.getRejection());
        assertEquals("", rejected.getDeveloperId());

        given().auth().oauth2(token).when().delete("/v1/api-keys/" + id)
                .then().statusCode(200).body("revokedAt", equalTo(revokedAt));
    }

    @Test
    void anotherDevelopersKeyCannotBeSeenOrRevoked() {
        JsonPath created = create(TestLogins.developer(), "{\"name\": \"mine\"}");
        String id = created.getString("id");
        String admin = TestLogins.admin();
        given().auth().oauth2(admin).when().delete("/v1/api-keys/" + id).then().spec(problem(404));
        given().auth().oauth2(admin).when().get("/v1/api-keys/" + id).then().spec(problem(404));
        given().auth().oauth2(admin).when().get("/v1/api-keys")
                .then().statusCode(200).body("keys.id", not(hasItem(id)));
        assertTrue(verify(created.getString("secret")).getValid());
    }

    @Test
    void unknownAndMalformedSecretsAreUnknownAndABlankOneIsAnInvalidArgument() {
        String unknown = "cp_" + "A".repeat(40);
        assertEquals(KeyRejection.KEY_REJECTION_UNKNOWN, verify(unknown).getRejection());
        assertEquals(KeyRejection.KEY_REJECTION_UNKNOWN, verify("sk-proj-not-ours").getRejection());
        assertFalse(verify("sk-proj-not-ours").getValid());
        StatusRuntimeException blank = assertThrows(StatusRuntimeException.class, () -> verify(" "));
        assertEquals(Status.Code.INVALID_ARGUMENT, blank.getStatus().getCode());
        assertTrue(blank.getStatus().getDescription().contains("secret"), blank.getStatus().getDescription());
    }

    @Test
    void badRequestsNameTheFieldAndCreateNothing() {
        String token = TestLogins.developer();
        int before = given().auth().oauth2(token).when().get("/v1/api-keys")
                .then().statusCode(200).extract().path("keys.size()");
        rejected(token, "{}", "name");
        rejected(token, "{\"name\": \"   \"}", "name");
        rejected(token, "{\"name\": \"" + "x".repeat(101) + "\"}", "name");
        rejected(token, "{\"name\": \"ok\", \"scopes\": [\"root\"]}", "scopes");
        rejected(token, "{\"name\": \"ok\", \"scopes\": []}", "scopes");
        rejected(token, "{\"name\": \"ok\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}", "expiresAt");
        rejected(token, "{\"name\": \"ok\", \"expiresAt\": \"tomorrow\"}", "expiresAt");
        rejected(token, "{\"name\": \"ok\", \"owner\": \"someone\"}", "owner");
        given().auth().oauth2(token).when().get("/v1/api-keys")
                .then().statusCode(200).body("keys.size()", equalTo(before));
    }

    private static void rejected(String token, String body, String field) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .when().post("/v1/api-keys")
                .then().spec(badRequestNaming(field));
    }

    @Test
    void onlyAGatewayMayVerifyKeysAndARefusedCallTouchesNoKey() {
        String token = TestLogins.developer();
        JsonPath created = create(token, "{\"name\": \"probed " + UUID.randomUUID() + "\"}");
        VerifyKeyRequest request = VerifyKeyRequest.newBuilder().setSecret(created.getString("secret")).build();
        ApiKeyServiceGrpc.ApiKeyServiceBlockingStub stranger = ApiKeyServiceGrpc.newBlockingStub(channel);

        assertRefused(Status.Code.UNAUTHENTICATED, () -> stranger.verifyKey(request));
        assertRefused(Status.Code.UNAUTHENTICATED,
                () -> InternalCalls.bearing(stranger, InternalCalls.forgedToken()).verifyKey(request));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> InternalCalls.bearing(stranger, token).verifyKey(request));
        given().auth().oauth2(token).when().get("/v1/api-keys/" + created.getString("id"))
                .then().statusCode(200).body("lastUsedAt", nullValue());

        assertTrue(verifier.verifyKey(request).getValid());
        given().auth().oauth2(token).when().get("/v1/api-keys/" + created.getString("id"))
                .then().statusCode(200).body("lastUsedAt", notNullValue());
    }

    @Test
    void theHttpPortServesNoGrpc() {
        ManagedChannel http = InternalCalls.channel(server.getPort());
        try {
            assertThrows(StatusRuntimeException.class, () -> InternalCalls.bearing(
                    ApiKeyServiceGrpc.newBlockingStub(http), TestLogins.service("gateway-svc"))
                    .verifyKey(VerifyKeyRequest.newBuilder().setSecret("cp_" + "A".repeat(40)).build()));
        } finally {
            http.shutdownNow();
        }
    }

    @Test
    void keysNeedASignedInDeveloper() {
        given().when().get("/v1/api-keys").then().spec(unauthorized());
        given().contentType(ContentType.JSON).body("{\"name\": \"x\"}")
                .when().post("/v1/api-keys").then().spec(problem(401));
        given().auth().oauth2(TestLogins.developer()).when().delete("/v1/api-keys/not-a-uuid")
                .then().spec(problem(404));
    }

    @Test
    void anAdministratorSetsADevelopersLimitsAndVerificationCarriesThem() {
        String developer = TestLogins.developer();
        String developerId = developerId(developer);
        String secret = create(developer, "{\"name\": \"limited\"}").getString("secret");
        String admin = TestLogins.admin();
        String path = "/v1/admin/developers/" + developerId + "/rate-limits";

        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": 7, \"tokensPerMinute\": 1234}")
                .when().put(path)
                .then().statusCode(200)
                .body("requestsPerMinute", equalTo(7))
                .body("tokensPerMinute", equalTo(1234))
                .body("defaults", equalTo(false));
        given().auth().oauth2(admin).when().get(path)
                .then().statusCode(200).body("requestsPerMinute", equalTo(7));
        VerifyKeyResponse verified = verify(secret);
        assertEquals(7, verified.getRateLimits().getRequestsPerMinute());
        assertEquals(1234, verified.getRateLimits().getTokensPerMinute());

        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": 60, \"tokensPerMinute\": 100000}")
                .when().put(path).then().statusCode(200);
    }

    @Test
    void rateLimitsAreForAdministratorsAndCheckedField() {
        String admin = TestLogins.admin();
        String developerId = developerId(TestLogins.developer());
        String path = "/v1/admin/developers/" + developerId + "/rate-limits";
        given().auth().oauth2(TestLogins.developer()).when().get(path).then().spec(problem(403));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": 0, \"tokensPerMinute\": 10}")
                .when().put(path).then().spec(badRequestNaming("requestsPerMinute"));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": 10}")
                .when().put(path).then().spec(badRequestNaming("tokensPerMinute"));
        given().auth().oauth2(admin).when().get("/v1/admin/developers/" + UUID.randomUUID() + "/rate-limits")
                .then().spec(problem(404));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"requestsPerMinute\": 5, \"tokensPerMinute\": 10}")
                .when().put("/v1/admin/developers/" + UUID.randomUUID() + "/rate-limits").then().spec(problem(404));
    }

    @Test
    void theContractSaysWhichTimestampsMayBeNullAndThatCreatingAnswers201() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.ApiKeyView.properties.expiresAt.type", hasItem("null"))
                .body("components.schemas.ApiKeyView.properties.lastUsedAt.type", hasItem("null"))
                .body("components.schemas.ApiKeyView.properties.revokedAt.type", hasItem("null"))
                .body("components.schemas.ApiKeyView.properties.createdAt.type", not(hasItem("null")))
                .body("paths.'/v1/api-keys'.post.responses.'201'.content.'application/json'.schema.'$ref'",
                        equalTo("#/components/schemas/CreatedApiKeyView"))
                .body("paths.'/v1/api-keys/{id}'.delete.responses.'404'.content", hasKey("application/problem+json"));
    }
}
