package computepool.payment.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.unauthorized;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "payment_test"))
class WebhookResourceTest {

    private static String body(String url, String events) {
        return """
                {"url": "%s", "events": [%s]}
                """.formatted(url, events);
    }

    private static String register(String token, String url) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body(url, "\"payout.settled\""))
                .when().post("/v1/webhooks")
                .then().statusCode(201)
                .extract().path("id");
    }

    private static void rejectedNaming(String body, String field) {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body(body)
                .when().post("/v1/webhooks")
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
        given().when().get("/v1/webhooks")
                .then().spec(unauthorized());
        given().when().delete("/v1/webhooks/" + UUID.randomUUID())
                .then().spec(problem(401));
    }

    @Test
    void theSecretIsShownOnceAndTheEndpointIsListedWithoutIt() {
        String token = TestLogins.developer();
        String url = "https://hooks.example.com/" + UUID.randomUUID();
        JsonPath created = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body(url, "\"payment.received\", \"payout.settled\", \"payout.settled\""))
                .when().post("/v1/webhooks")
                .then().statusCode(201)
                .body("url", equalTo(url))
                .body("events", contains("payout.settled", "payment.received"))
                .body("signingSecret", matchesPattern("whsec_[A-Za-z0-9_-]{43}"))
                .extract().jsonPath();
        String id = created.getString("id");

        String listed = "find { it.id == '" + id + "' }";
        given().auth().oauth2(token).when().get("/v1/webhooks")
                .then().statusCode(200)
                .body(listed + ".url", equalTo(url))
                .body(listed + ".events", contains("payout.settled", "payment.received"))
                .body(listed, not(hasKey("signingSecret")))
                .body("signingSecret", not(hasItem(created.getString("signingSecret"))));
    }

    @Test
    void plainHttpToLocalhostIsAccepted() {
        register(TestLogins.developer(), "http://localhost:9000/hook");
        register(TestLogins.developer(), "http://127.0.0.1:9000/hook");
    }

    @Test
    void aDeletedEndpointIsGone() {
        String token = TestLogins.developer();
        String id = register(token, "https://example.com/" + UUID.randomUUID());
        given().auth().oauth2(token).when().delete("/v1/webhooks/" + id)
                .then().statusCode(204);
        given().auth().oauth2(token).when().get("/v1/webhooks")
                .then().statusCode(200).body("id", not(hasItem(id)));
        given().auth().oauth2(token).when().delete("/v1/webhooks/" + id)
                .then().spec(problem(404));
    }

    @Test
    void anotherOwnersEndpointIsNotFoundAndNotListed() {
        String theirs = register(TestLogins.admin(), "https://example.com/" + UUID.randomUUID());
        String developer = TestLogins.developer();
        given().auth().oauth2(developer).when().get("/v1/webhooks")
                .then().statusCode(200).body("id", not(hasItem(theirs)));
        given().auth().oauth2(developer).when().delete("/v1/webhooks/" + theirs)
                .then().spec(problem(404));
        given().auth().oauth2(TestLogins.admin()).when().get("/v1/webhooks")
                .then().statusCode(200).body("id", hasItem(theirs));
    }

    @Test
    void malformedJsonIsRejectedNamingTheBody() {
        rejectedNaming("{\"url\": ", "body");
    }

    @Test
    void unknownFieldIsRejectedNamingIt() {
        rejectedNaming("{\"url\": \"https://example.com\", \"events\": [\"payout.settled\"], \"secret\": \"x\"}", "secret");
    }

    /** Refused with the reason, and nothing stored: the owner's list holds none of them afterwards. */
    @Test
    void targetsOnThePlatformsOwnNetworkAreRefusedNamingTheUrl() {
        String token = TestLogins.developer();
        String marker = UUID.randomUUID().toString();
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("https://127.0.0.2/hook", "resolves to 127.0.0.2, a loopback address");
        refused.put("https://10.0.0.1/hook", "resolves to 10.0.0.1, a private address");
        refused.put("https://169.254.169.254/latest/meta-data/", "resolves to 169.254.169.254, a link-local address");
        refused.put("https://[::1]/hook", "a loopback address");
        refused.put("https://[fd00:ec2::254]/hook", "a unique-local address");
        refused.put("https://[::ffff:10.0.0.1]/hook", "resolves to 10.0.0.1, a private address");
        refused.put("https://internal.example.test/hook", "resolves to 10.1.2.3, a private address");
        refused.put("https://100.100.100.200:8443/hook", "a shared (carrier-grade NAT) address");
        refused.put("https://nowhere.example.test/hook", "host nowhere.example.test cannot be resolved");
        refused.forEach((url, reason) -> given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body(url + "?marker=" + marker, "\"payout.settled\""))
                .when().post("/v1/webhooks")
                .then().spec(badRequestNaming("url"))
                .body("detail", containsString(reason)));
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(body("https://10.0.0.1/hook", "\"payout.settled\""))
                .when().post("/v1/webhooks")
                .then().body("detail", equalTo(
                        "url: resolves to 10.0.0.1, a private address: webhooks reach only public addresses"));

        given().auth().oauth2(token).when().get("/v1/webhooks")
                .then().statusCode(200).body("url", not(hasItem(containsString(marker))));
    }

    @Test
    void publicTargetsAreAccepted() {
        String token = TestLogins.developer();
        for (String url : List.of("https://hooks.example.com/" + UUID.randomUUID(),
                "https://192.0.2.1/" + UUID.randomUUID(), "https://[2001:db8::1]:8443/" + UUID.randomUUID())) {
            String id = register(token, url);
            given().auth().oauth2(token).when().get("/v1/webhooks")
                    .then().statusCode(200).body("find { it.id == '" + id + "' }.url", equalTo(url));
            given().auth().oauth2(token).when().delete("/v1/webhooks/" + id).then().statusCode(204);
        }
    }

    @Test
    void plainHttpElsewhereIsRejectedNamingTheUrl() {
        rejectedNaming(body("http://example.com/hook", "\"payout.settled\""), "url");
    }

    @Test
    void aBrokenOrMissingUrlIsRejected() {
        rejectedNaming(body("not a url", "\"payout.settled\""), "url");
        rejectedNaming("{\"events\": [\"payout.settled\"]}", "url");
    }

    @Test
    void atLeastOneEventIsRequired() {
        rejectedNaming(body("https://example.com/hook", ""), "events");
        rejectedNaming("{\"url\": \"https://example.com/hook\"}", "events");
    }

    @Test
    void anUnknownEventIsRejectedNamingIt() {
        rejectedNaming(body("https://example.com/hook", "\"payout.settled\", \"payout.refunded\""), "events[1]");
    }

    @Test
    void aNullEventIsRejectedNamingIt() {
        rejectedNaming(body("https://example.com/hook", "null"), "events[0]");
    }

    @Test
    void metricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void openApiIsPublished() {
        given().when().get("/q/openapi?format=json")
                .then().statusCode(200).body("paths", hasKey("/v1/webhooks/{id}"));
    }
}
