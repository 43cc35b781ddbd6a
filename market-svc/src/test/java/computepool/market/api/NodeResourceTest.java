package computepool.market.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.unauthorized;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class NodeResourceTest {

    private static String node(String name, String interconnect, int budget, String gpus) {
        return """
                {"name": "%s", "zone": "home-sf-1", "interconnect": "%s", "powerBudgetWatts": %d, "gpus": [%s]}
                """.formatted(name, interconnect, budget, gpus);
    }

    private static String nanopod(String name) {
        return node(name, "federated", 1440, RTX_4090_PAIR);
    }

    private static final String RTX_4090_PAIR =
            "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 2, \"powerLimitWatts\": 450}";

    private static String register(String token, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body)
                .when().post("/v1/nodes")
                .then().statusCode(201)
                .extract().path("id");
    }

    private static void rejectedNaming(String body, String field) {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body(body)
                .when().post("/v1/nodes")
                .then().spec(badRequestNaming(field));
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
        given().when().get("/v1/nodes")
                .then().spec(unauthorized());
        given().contentType(ContentType.JSON).body(nanopod("pod"))
                .when().post("/v1/nodes")
                .then().spec(problem(401));
    }

    @Test
    void anOperatorRegistersANodeAndReadsItBack() {
        String token = TestLogins.developer();
        String name = "pod-" + UUID.randomUUID();
        String id = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(node(name, "federated", 1440, RTX_4090_PAIR + ", "
                        + "{\"model\": \"RTX_3090\", \"memoryGib\": 24, \"count\": 1, \"powerLimitWatts\": 350}"))
                .when().post("/v1/nodes")
                .then().statusCode(201)
                .body("name", equalTo(name))
                .body("peakWatts", equalTo(1250))
                .extract().path("id");

        given().auth().oauth2(token).when().get("/v1/nodes/" + id)
                .then().statusCode(200)
                .body("id", equalTo(id))
                .body("name", equalTo(name))
                .body("zone", equalTo("home-sf-1"))
                .body("interconnect", equalTo("federated"))
                .body("powerBudgetWatts", equalTo(1440))
                .body("gpus.size()", equalTo(2))
                .body("gpus[0].model", equalTo("RTX_4090"))
                .body("gpus[0].memoryGib", equalTo(24))
                .body("gpus[0].count", equalTo(2))
                .body("gpus[0].powerLimitWatts", equalTo(450))
                .body("gpus[1].model", equalTo("RTX_3090"))
                .body("gpus[1].powerLimitWatts", equalTo(350));

        given().auth().oauth2(token).when().get("/v1/nodes")
                .then().statusCode(200)
                .body("id", hasItem(id));
    }

    @Test
    void theLocationOfANewNodeIsItsAddress() {
        String token = TestLogins.developer();
        String location = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(nanopod("pod-" + UUID.randomUUID()))
                .when().post("/v1/nodes")
                .then().statusCode(201)
                .extract().header("Location");
        String id = location.substring(location.lastIndexOf('/') + 1);
        given().auth().oauth2(token).when().get(location)
                .then().statusCode(200).body("id", equalTo(id));
        assertThat(location, endsWith("/v1/nodes/" + id));
    }

    @Test
    void anotherOperatorsNodeIsNotFound() {
        String theirs = register(TestLogins.admin(), nanopod("theirs-" + UUID.randomUUID()));
        String developer = TestLogins.developer();
        given().auth().oauth2(developer).when().get("/v1/nodes/" + theirs)
                .then().spec(problem(404));
        given().auth().oauth2(developer).when().get("/v1/nodes")
                .then().statusCode(200)
                .body("id", not(hasItem(theirs)));
    }

    @Test
    void aNodeIsOfferedWhileItsAgentSendsHeartbeatsAndNoLongerOnceItFallsSilent() {
        String token = TestLogins.developer();
        String id = register(token, nanopod("pod-" + UUID.randomUUID()));
        given().auth().oauth2(token).when().get("/v1/nodes/" + id)
                .then().statusCode(200)
                .body("offered", equalTo(false))
                .body("lastHeartbeatAt", nullValue());

        given().auth().oauth2(token).when().post("/v1/nodes/" + id + "/heartbeats").then().statusCode(204);
        given().auth().oauth2(token).when().get("/v1/nodes/" + id)
                .then().statusCode(200)
                .body("offered", equalTo(true))
                .body("lastHeartbeatAt", notNullValue());

        // The test profile's silence limit is 5 s.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> !given()
                .auth().oauth2(token).when().get("/v1/nodes/" + id).then().statusCode(200)
                .extract().<Boolean>path("offered"));
        given().auth().oauth2(token).when().post("/v1/nodes/" + id + "/heartbeats").then().statusCode(204);
        given().auth().oauth2(token).when().get("/v1/nodes").then().statusCode(200)
                .body("find { it.id == '" + id + "' }.offered", equalTo(true));
    }

    @Test
    void onlyTheOwnerCanSendANodesHeartbeat() {
        String theirs = register(TestLogins.admin(), nanopod("theirs-" + UUID.randomUUID()));
        given().auth().oauth2(TestLogins.developer()).when().post("/v1/nodes/" + theirs + "/heartbeats")
                .then().spec(problem(404));
        given().auth().oauth2(TestLogins.developer()).when().post("/v1/nodes/" + UUID.randomUUID() + "/heartbeats")
                .then().spec(problem(404));
        given().when().post("/v1/nodes/" + theirs + "/heartbeats").then().spec(problem(401));
        given().auth().oauth2(TestLogins.admin()).when().get("/v1/nodes/" + theirs)
                .then().statusCode(200)
                .body("offered", equalTo(false))
                .body("lastHeartbeatAt", nullValue());
    }

    @Test
    void anUnknownNodeIsNotFound() {
        given().auth().oauth2(TestLogins.developer()).when().get("/v1/nodes/" + UUID.randomUUID())
                .then().spec(problem(404));
    }

    @Test
    void malformedJsonIsRejectedNamingTheBody() {
        rejectedNaming("{\"name\": ", "body");
    }

    @Test
    void aMissingBodyIsRejected() {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .when().post("/v1/nodes")
                .then().spec(problem(400));
    }

    @Test
    void unknownFieldIsRejectedNamingIt() {
        rejectedNaming("{\"name\": \"pod\", \"colour\": \"red\"}", "colour");
    }

    @Test
    void aNameIsRequired() {
        rejectedNaming(node(" ", "federated", 1440, RTX_4090_PAIR), "name");
    }

    @Test
    void aNodeNeedsAtLeastOneGpu() {
        rejectedNaming(node("pod", "federated", 1440, ""), "gpus");
    }

    @Test
    void countsMustBePositive() {
        rejectedNaming(node("pod", "federated", 1440,
                "{\"model\": \"RTX_4090\", \"memoryGib\": 24, \"count\": 0, \"powerLimitWatts\": 450}"), "gpus[0].count");
    }

    @Test
    void anUnknownGpuModelIsRejectedNamingIt() {
        rejectedNaming(node("pod", "federated", 1440, RTX_4090_PAIR + ", "
                + "{\"model\": \"GTX_1080\", \"memoryGib\": 8, \"count\": 1, \"powerLimitWatts\": 180}"), "gpus[1].model");
    }

    @Test
    void aCardBeyondThePowerBudgetIsRejected() {
        rejectedNaming(node("pod", "federated", 600,
                "{\"model\": \"H100_80GB\", \"memoryGib\": 80, \"count\": 1, \"powerLimitWatts\": 700}"),
                "gpus[0].powerLimitWatts");
    }

    @Test
    void anUnknownInterconnectIsRejected() {
        rejectedNaming(node("pod", "infiniband", 1440, RTX_4090_PAIR), "interconnect");
    }

    @Test
    void aRejectedNodeIsNotStored() {
        String token = TestLogins.developer();
        String name = "rejected-" + UUID.randomUUID();
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(node(name, "federated", 100, RTX_4090_PAIR))
                .when().post("/v1/nodes")
                .then().statusCode(400);
        given().auth().oauth2(token).when().get("/v1/nodes")
                .then().statusCode(200).body("name", not(hasItem(name)));
    }

    @Test
    void aZoneThatIsNotAStringIsRejectedNotStoredAsText() {
        rejectedNaming("""
                {"name": "pod", "zone": false, "interconnect": "federated", "powerBudgetWatts": 1440,
                 "gpus": [%s]}""".formatted(RTX_4090_PAIR), "zone");
        rejectedNaming(node("pod", "federated", 1440, RTX_4090_PAIR).replace("\"home-sf-1\"", "12"), "zone");
    }

    @Test
    void aMethodThePathDoesNotTakeIsRefusedNamingTheOnesItDoes() {
        given().auth().oauth2(TestLogins.developer())
                .when().delete("/v1/nodes")
                .then().statusCode(405)
                .header("Allow", containsString("GET"))
                .header("Allow", containsString("POST"))
                .contentType("application/problem+json");
    }

    @Test
    void optionsListsExactlyThePathsOwnMethods() {
        String token = TestLogins.developer();
        given().auth().oauth2(token).when().options("/v1/nodes/" + UUID.randomUUID())
                .then().statusCode(200).header("Allow", "GET, HEAD, OPTIONS");
        given().auth().oauth2(token).when().options("/v1/orders/buy")
                .then().statusCode(200).header("Allow", "OPTIONS, POST");
        given().auth().oauth2(token).when().options("/v1/orders/" + UUID.randomUUID())
                .then().statusCode(200).header("Allow", "DELETE, GET, HEAD, OPTIONS");
    }

    @Test
    void theContractPublishesWhatTheEdgeAnswers() {
        given().when().get("/q/openapi?format=json")
                .then().statusCode(200)
                .body("paths.'/v1/nodes/{id}'.get.responses", hasKey("404"))
                .body("paths.'/v1/nodes/{id}'.get.responses", hasKey("401"))
                .body("paths.'/v1/nodes'.post.responses", hasKey("201"))
                .body("paths.'/v1/nodes'.post.responses", hasKey("400"))
                .body("paths.'/v1/nodes/{id}/heartbeats'.post.responses", hasKey("204"))
                .body("components.schemas.NodeView.properties.lastHeartbeatAt.type", hasItem("null"))
                .body("components.schemas.RegisterNodeRequest.additionalProperties", equalTo(false))
                .body("components.schemas", hasKey("Problem"));
    }

    @Test
    void metricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void openApiIsPublished() {
        given().when().get("/q/openapi?format=json")
                .then().statusCode(200).body("paths", hasKey("/v1/nodes/{id}"));
    }
}
