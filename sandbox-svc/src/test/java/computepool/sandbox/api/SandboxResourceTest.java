package computepool.sandbox.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.unauthorized;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;

import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.sandbox.domain.SandboxState;
import computepool.sandbox.store.SandboxStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "sandbox_test"))
class SandboxResourceTest {

    @Inject
    SandboxStore sandboxes;

    private static String body(String runtime, int cpuMillis, int memoryMb, int timeoutSeconds) {
        return """
                {"runtime": "%s", "cpuMillis": %d, "memoryMb": %d, "timeoutSeconds": %d}
                """.formatted(runtime, cpuMillis, memoryMb, timeoutSeconds);
    }

    private static String create(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body("python3.12", 500, 512, 600))
                .when().post("/v1/sandboxes")
                .then().statusCode(201)
                .extract().path("id");
    }

    private static void rejectedNaming(String body, String field) {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body(body)
                .when().post("/v1/sandboxes")
                .then().spec(badRequestNaming(field));
    }

    private static String subjectOf(String token) throws Exception {
        byte[] claims = Base64.getUrlDecoder().decode(token.split("\\.")[1]);
        return new ObjectMapper().readTree(claims).get("sub").asText();
    }

    @Test
    void healthIsUpWithDatabaseAndKafka() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsString("PostgreSQL")))
                .body("checks.name", hasItem(containsString("Kafka")));
    }

    @Test
    void noTokenIsUnauthorizedAsProblem() {
        given().contentType(ContentType.JSON).body(body("bash", 100, 64, 1))
                .when().post("/v1/sandboxes")
                .then().spec(unauthorized());
        given().when().get("/v1/sandboxes/" + UUID.randomUUID())
                .then().spec(problem(401));
    }

    @Test
    void aNewSandboxIsPendingWithItsLimits() {
        String token = TestLogins.developer();
        String id = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body("node20", 2000, 4096, 3600))
                .when().post("/v1/sandboxes")
                .then().statusCode(201)
                .body("state", equalTo("PENDING"))
                .extract().path("id");

        given().auth().oauth2(token).when().get("/v1/sandboxes/" + id)
                .then().statusCode(200)
                .body("id", equalTo(id))
                .body("runtime", equalTo("node20"))
                .body("cpuMillis", equalTo(2000))
                .body("memoryMb", equalTo(4096))
                .body("timeoutSeconds", equalTo(3600))
                .body("state", equalTo("PENDING"));
    }

    @Test
    void theLimitsAtTheEdgesAreAccepted() {
        String token = TestLogins.developer();
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body("bash", 100, 64, 1))
                .when().post("/v1/sandboxes")
                .then().statusCode(201);
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body("bash", 8000, 32768, 86400))
                .when().post("/v1/sandboxes")
                .then().statusCode(201);
    }

    @Test
    void stoppingIsIdempotent() {
        String token = TestLogins.developer();
        String id = create(token);
        given().auth().oauth2(token).when().delete("/v1/sandboxes/" + id)
                .then().statusCode(200).body("state", equalTo("STOPPED"));
        given().auth().oauth2(token).when().delete("/v1/sandboxes/" + id)
                .then().statusCode(200).body("state", equalTo("STOPPED"));
        given().auth().oauth2(token).when().get("/v1/sandboxes/" + id)
                .then().statusCode(200).body("state", equalTo("STOPPED"));
    }

    @Test
    void aFailedSandboxCannotBeStopped() throws Throwable {
        String token = TestLogins.developer();
        UUID id = UUID.fromString(create(token));
        String owner = subjectOf(token);
        Instant now = Instant.now();
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> sandboxes.ofOwnerForUpdate(id, owner)
                .map(found -> found.orElseThrow().movedTo(SandboxState.RUNNING, now).movedTo(SandboxState.FAILED, now))
                .chain(sandboxes::update)));

        given().auth().oauth2(token).when().delete("/v1/sandboxes/" + id)
                .then().spec(problem(409));
        given().auth().oauth2(token).when().get("/v1/sandboxes/" + id)
                .then().statusCode(200).body("state", equalTo("FAILED"));
    }

    @Test
    void anotherDevelopersSandboxIsNotFound() {
        String theirs = create(TestLogins.admin());
        String developer = TestLogins.developer();
        given().auth().oauth2(developer).when().get("/v1/sandboxes/" + theirs)
                .then().spec(problem(404));
        given().auth().oauth2(developer).when().delete("/v1/sandboxes/" + theirs)
                .then().spec(problem(404));
        given().auth().oauth2(TestLogins.admin()).when().get("/v1/sandboxes/" + theirs)
                .then().statusCode(200).body("state", equalTo("PENDING"));
    }

    @Test
    void anUnknownSandboxIsNotFound() {
        given().auth().oauth2(TestLogins.developer()).when().delete("/v1/sandboxes/" + UUID.randomUUID())
                .then().spec(problem(404));
    }

    @Test
    void malformedJsonIsRejectedNamingTheBody() {
        rejectedNaming("{\"runtime\": ", "body");
    }

    @Test
    void unknownFieldIsRejectedNamingIt() {
        rejectedNaming("{\"runtime\": \"bash\", \"gpus\": 1}", "gpus");
    }

    @Test
    void aWrongTypeIsRejectedNamingTheField() {
        rejectedNaming("{\"runtime\": \"bash\", \"cpuMillis\": \"lots\", \"memoryMb\": 64, \"timeoutSeconds\": 1}", "cpuMillis");
    }

    @Test
    void anUnknownRuntimeIsRejected() {
        rejectedNaming(body("ruby3", 500, 512, 600), "runtime");
    }

    @Test
    void cpuIsBounded() {
        rejectedNaming(body("bash", 99, 512, 600), "cpuMillis");
        rejectedNaming(body("bash", 8001, 512, 600), "cpuMillis");
    }

    @Test
    void memoryIsBounded() {
        rejectedNaming(body("bash", 500, 63, 600), "memoryMb");
        rejectedNaming(body("bash", 500, 32769, 600), "memoryMb");
    }

    @Test
    void timeoutIsBounded() {
        rejectedNaming(body("bash", 500, 512, 0), "timeoutSeconds");
        rejectedNaming(body("bash", 500, 512, 86401), "timeoutSeconds");
    }

    @Test
    void missingLimitsAreNamed() {
        rejectedNaming("{\"runtime\": \"bash\"}", "cpuMillis");
    }

    @Test
    void metricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void openApiIsPublished() {
        given().when().get("/q/openapi?format=json")
                .then().statusCode(200).body("paths", hasKey("/v1/sandboxes/{id}"));
    }
}
