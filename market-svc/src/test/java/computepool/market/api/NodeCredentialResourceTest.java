package computepool.market.api;

import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.unauthorized;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class NodeCredentialResourceTest {

    private static final String NODE = """
            {"name": "pod-%s", "zone": "home-sf-1", "interconnect": "federated", "powerBudgetWatts": 1440,
             "gpus": [{"model": "RTX_4090", "memoryGib": 24, "count": 2, "powerLimitWatts": 450}]}""";

    @Inject
    AgroalDataSource database;

    private static JsonPath register(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(NODE.formatted(UUID.randomUUID()))
                .when().post("/v1/nodes")
                .then().statusCode(201).extract().jsonPath();
    }

    @Test
    void registeringANodeShowsItsCredentialOnceAndKeepsOnlyItsHash() throws Exception {
        String token = TestLogins.developer();
        JsonPath node = register(token);
        String id = node.getString("id");
        String secret = node.getString("credential.secret");
        assertTrue(secret.matches("cpn_[0-9A-Za-z]{40}"), secret);
        assertEquals(secret.substring(0, 12), node.getString("credential.prefix"));

        given().auth().oauth2(token).when().get("/v1/nodes/" + id)
                .then().statusCode(200).body("credential", nullValue());
        given().auth().oauth2(token).when().get("/v1/nodes/" + id + "/credentials")
                .then().statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].prefix", equalTo(secret.substring(0, 12)))
                .body("[0].secret", nullValue())
                .body("[0].revokedAt", nullValue());

        try (Connection connection = database.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "select secret_hash, prefix from node_credential where node_id = ?")) {
            query.setObject(1, UUID.fromString(id));
            try (ResultSet row = query.executeQuery()) {
                assertTrue(row.next());
                byte[] expected = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
                assertTrue(Arrays.equals(expected, row.getBytes(1)), "the SHA-256 of the secret is kept");
                assertFalse(row.getString(2).contains(secret.substring(12)), "no more than the prefix is kept");
            }
        }
    }

    @Test
    void anOperatorIssuesAnotherCredentialAndRevokesTheFirst() {
        String token = TestLogins.developer();
        JsonPath node = register(token);
        String id = node.getString("id");
        String first = node.getString("credential.id");
        JsonPath second = given().auth().oauth2(token).when().post("/v1/nodes/" + id + "/credentials")
                .then().statusCode(201).body("secret", notNullValue()).extract().jsonPath();
        assertFalse(second.getString("secret").equals(node.getString("credential.secret")));

        given().auth().oauth2(token).when().delete("/v1/nodes/" + id + "/credentials/" + first)
                .then().statusCode(204);
        String revokedAt = given().auth().oauth2(token).when().get("/v1/nodes/" + id + "/credentials")
                .then().statusCode(200)
                .body("find { it.id == '%s' }.revokedAt".formatted(second.getString("id")), nullValue())
                .extract().path("find { it.id == '%s' }.revokedAt".formatted(first));
        assertTrue(revokedAt != null, "the first credential is revoked");

        given().auth().oauth2(token).when().delete("/v1/nodes/" + id + "/credentials/" + first)
                .then().statusCode(204);
        given().auth().oauth2(token).when().get("/v1/nodes/" + id + "/credentials")
                .then().body("find { it.id == '%s' }.revokedAt".formatted(first), equalTo(revokedAt));
        given().auth().oauth2(token).when().delete("/v1/nodes/" + id + "/credentials/" + UUID.randomUUID())
                .then().spec(problem(404));
    }

    @Test
    void anotherOperatorsNodeHasNoCredentialsToReadIssueOrRevoke() {
        JsonPath theirs = register(TestLogins.admin());
        String id = theirs.getString("id");
        String developer = TestLogins.developer();
        given().auth().oauth2(developer).when().get("/v1/nodes/" + id + "/credentials").then().spec(problem(404));
        given().auth().oauth2(developer).when().post("/v1/nodes/" + id + "/credentials").then().spec(problem(404));
        given().auth().oauth2(developer).when()
                .delete("/v1/nodes/" + id + "/credentials/" + theirs.getString("credential.id"))
                .then().spec(problem(404));
        given().when().get("/v1/nodes/" + id + "/credentials").then().spec(unauthorized());

        given().auth().oauth2(TestLogins.admin()).when().get("/v1/nodes/" + id + "/credentials")
                .then().statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].revokedAt", nullValue());
    }
}
