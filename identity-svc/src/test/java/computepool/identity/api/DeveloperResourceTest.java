package computepool.identity.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.problemNaming;
import static computepool.problems.ProblemAssertions.unauthorized;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "identity_test"))
class DeveloperResourceTest {

    @Test
    void healthIsUpWithDatabaseAndKafka() {
        given().when().get("/q/health/ready")
                .then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void noTokenIsUnauthorizedAsProblem() {
        given().when().get("/v1/developers/me")
                .then().spec(unauthorized());
    }

    @Test
    void garbageTokenIsUnauthorized() {
        given().auth().oauth2("not-a-jwt").when().get("/v1/developers/me")
                .then().spec(problem(401));
    }

    @Test
    void firstLoginCreatesTheProfileOnce() {
        String token = TestLogins.developer();
        String id = given().auth().oauth2(token).when().get("/v1/developers/me")
                .then().statusCode(200)
                .body("id", notNullValue())
                .body("email", equalTo("dev@computepool.test"))
                .extract().path("id");
        given().auth().oauth2(token).when().get("/v1/developers/me")
                .then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void invalidHandleIsRejectedNamingTheField() {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{\"handle\": \"Not Valid!\"}")
                .when().patch("/v1/developers/me")
                .then().spec(badRequestNaming("handle"));
    }

    @Test
    void malformedJsonIsRejectedAsProblem() {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{\"displayName\": ")
                .when().patch("/v1/developers/me")
                .then().spec(badRequestNaming("body"));
    }

    @Test
    void unknownFieldIsRejectedNamingIt() {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{\"nickname\": \"ada\"}")
                .when().patch("/v1/developers/me")
                .then().statusCode(400)
                .body("errors.field", hasItem("nickname"));
    }

    @Test
    void emptyChangeIsRejected() {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{}")
                .when().patch("/v1/developers/me")
                .then().statusCode(400)
                .body("errors.field", hasItem("changingSomething"));
    }

    @Test
    void aHandleHeldByAnotherDeveloperIsAConflictAndChangesNothing() {
        String taken = "taken-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON)
                .body("{\"handle\": \"" + taken + "\"}")
                .when().patch("/v1/developers/me")
                .then().statusCode(200).body("handle", equalTo(taken));

        String developer = TestLogins.developer();
        String before = given().auth().oauth2(developer).when().get("/v1/developers/me")
                .then().statusCode(200).extract().path("displayName");
        given().auth().oauth2(developer).contentType(ContentType.JSON)
                .body("{\"handle\": \"" + taken + "\", \"displayName\": \"Changed With Conflict\"}")
                .when().patch("/v1/developers/me")
                .then().spec(problemNaming(409, "handle"));
        given().auth().oauth2(developer).when().get("/v1/developers/me")
                .then().statusCode(200).body("displayName", equalTo(before));
    }

    @Test
    void metricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void openApiIsPublished() {
        given().when().get("/q/openapi?format=json")
                .then().statusCode(200).body("paths", org.hamcrest.Matchers.hasKey("/v1/developers/me"));
    }
}
