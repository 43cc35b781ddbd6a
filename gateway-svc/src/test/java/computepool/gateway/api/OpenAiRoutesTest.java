package computepool.gateway.api;

import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = LocalStackTestResource.DATABASE, value = "gateway_test"),
        @ResourceArg(name = LocalStackTestResource.SERVICE, value = "gateway-svc")})
/**
 * The OpenAI-compatible edge without workers: authentication, validation and every refusal that comes before a
 * session opens. Completions through a real pipeline are in journeys.
 */
class OpenAiRoutesTest {

    private static final String HELLO = "{\"role\": \"user\", \"content\": \"Hello\"}";

    /** A model the gateway serves, for which no shard worker runs here. */
    private static final String SERVED = "smollm2-135m-instruct";

    private static String completion(String fields) {
        return "{\"model\": \"no-such-model\", \"messages\": [" + HELLO + "]" + fields + "}";
    }

    private static String served(String fields) {
        return "{\"model\": \"" + SERVED + "\", \"messages\": [" + HELLO + "]" + fields + "}";
    }

    private static ValidatableResponse post(String body) {
        return given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body(body)
                .when().post("/v1/chat/completions")
                .then();
    }

    private static void rejectedNaming(String body, String param) {
        post(body).log().ifValidationFails().statusCode(400)
                .contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo(param))
                .body("error.message", not(emptyOrNullString()));
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
    void noTokenIsUnauthorizedInOpenAisShape() {
        given().when().get("/v1/models")
                .then().statusCode(401)
                .contentType(ContentType.JSON)
                .header("WWW-Authenticate", "Bearer")
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_api_key"))
                .body("error", hasKey("param"))
                .body("error.param", nullValue());
        given().contentType(ContentType.JSON).body(completion(""))
                .when().post("/v1/chat/completions")
                .then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
    }

    @Test
    void aMethodTheRouteDoesNotTakeIsRefusedNamingTheOneItDoes() {
        given().auth().oauth2(TestLogins.developer()).when().get("/v1/chat/completions")
                .then().statusCode(405).header("Allow", "POST")
                .body("error.code", equalTo("method_not_allowed"));
        given().auth().oauth2(TestLogins.developer()).when().delete("/v1/completions")
                .then().statusCode(405).header("Allow", "POST");
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON).body("{}")
                .when().post("/v1/models")
                .then().statusCode(405).header("Allow", "GET");
    }

    @Test
    void aBodyOverTheLimitIsRefusedInOpenAisShape() {
        String huge = "{\"model\": \"x\", \"prompt\": \"" + "a".repeat(1_100_000) + "\"}";
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON).body(huge)
                .when().post("/v1/completions")
                .then().statusCode(413)
                .contentType(ContentType.JSON)
                .body("error.code", equalTo("request_too_large"))
                .body("error.param", equalTo("body"));
    }

    @Test
    void aGarbageTokenIsUnauthorized() {
        given().auth().oauth2("not-a-jwt").when().get("/v1/models")
                .then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
    }

    @Test
    void aModelWithoutAHealthyPipelineIsNotListed() {
        given().auth().oauth2(TestLogins.developer()).when().get("/v1/models")
                .then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data", empty());
    }

    @Test
    void aValidCompletionNamesAModelThatDoesNotExist() {
        post(completion(", \"temperature\": 0.7, \"top_p\": 0.9, \"max_tokens\": 16, \"n\": 1, \"stream\": false"))
                .statusCode(404)
                .contentType(ContentType.JSON)
                .body("error.message", equalTo("The model 'no-such-model' does not exist"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo("model"))
                .body("error.code", equalTo("model_not_found"));
    }

    @Test
    void aServedModelWithoutAHealthyPipelineIsUnavailable() {
        post(served(", \"max_tokens\": 4"))
                .statusCode(503)
                .contentType(ContentType.JSON)
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("no_healthy_pipeline"))
                .body("error.message", containsString(SERVED));
    }

    @Test
    void aPromptAndCompletionBeyondTheContextAreRefusedNamingWhich() {
        post(served(", \"max_tokens\": 9000"))
                .statusCode(400)
                .body("error.code", equalTo("context_length_exceeded"))
                .body("error.param", equalTo("max_tokens"))
                .body("error.message", containsString("maximum context length is 8192 tokens"));
        post(served(", \"max_completion_tokens\": 9000"))
                .statusCode(400)
                .body("error.param", equalTo("max_completion_tokens"));
        String longPrompt = "word ".repeat(9000);
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{\"model\": \"" + SERVED + "\", \"prompt\": \"" + longPrompt + "\"}")
                .when().post("/v1/completions")
                .then().statusCode(400)
                .body("error.code", equalTo("context_length_exceeded"))
                .body("error.param", equalTo("prompt"));
    }

    @Test
    void messageContentIsTextOrTextParts() {
        rejectedNaming(served("").replace("\"Hello\"", "42"), "messages[0].content");
        rejectedNaming(served("").replace("\"Hello\"", "[{\"type\": \"image_url\", \"image_url\": {}}]"),
                "messages[0].content[0]");
        post(served("").replace("\"Hello\"", "[{\"type\": \"text\", \"text\": \"Hel\"}, "
                + "{\"type\": \"text\", \"text\": \"lo\"}]")).statusCode(503);
    }

    @Test
    void stopSequencesAreAStringOrUpToFourStrings() {
        rejectedNaming(served(", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]"), "stop");
        rejectedNaming(served(", \"stop\": 7"), "stop");
        rejectedNaming(served(", \"stop\": \"\""), "stop");
        post(served(", \"stop\": [\"a\", \"b\", \"c\", \"d\"]")).statusCode(503);
        post(served(", \"stop\": \"\\n\"")).statusCode(503);
    }

    @Test
    void streamOptionsNeedAStream() {
        rejectedNaming(served(", \"stream_options\": {\"include_usage\": true}"), "stream_options");
        post(served(", \"stream\": true, \"stream_options\": {\"include_usage\": true}")).statusCode(503);
    }

    @Test
    void textCompletionsTakeOnePromptString() {
        for (String prompt : new String[] { "[\"a\", \"b\"]", "[[1, 2]]", "\"\"", "7" }) {
            given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                    .body("{\"model\": \"" + SERVED + "\", \"prompt\": " + prompt + "}")
                    .when().post("/v1/completions")
                    .then().statusCode(400)
                    .body("error.param", equalTo("prompt"));
        }
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .body("{\"model\": \"" + SERVED + "\", \"prompt\": [\"Once upon\"]}")
                .when().post("/v1/completions")
                .then().statusCode(503);
    }

    @Test
    void anApiKeyThatCannotBeVerifiedIsAnUnavailabilityNotAnAcceptance() {
        // identity-svc does not run in this test: the key can be neither accepted nor refused.
        given().auth().oauth2("cp_" + "a".repeat(40)).contentType(ContentType.JSON).body(served(""))
                .when().post("/v1/chat/completions")
                .then().statusCode(503)
                .body("error.code", equalTo("identity_unavailable"));
    }

    @Test
    void theBoundsAreInclusive() {
        post(completion(", \"temperature\": 2, \"top_p\": 0, \"max_tokens\": 1")).statusCode(404);
        post(completion(", \"temperature\": 0, \"top_p\": 1")).statusCode(404);
    }

    @Test
    void malformedJsonIsRejectedNamingTheBody() {
        rejectedNaming("{\"model\": ", "body");
    }

    @Test
    void aMissingBodyIsRejected() {
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .when().post("/v1/chat/completions")
                .then().statusCode(400).body("error.type", equalTo("invalid_request_error"));
    }

    @Test
    void anUnknownArgumentIsRejectedNamingIt() {
        rejectedNaming(completion(", \"temprature\": 1"), "temprature");
    }

    @Test
    void aModelIsRequired() {
        rejectedNaming("{\"messages\": [" + HELLO + "]}", "model");
    }

    @Test
    void messagesMustNotBeEmpty() {
        rejectedNaming("{\"model\": \"m\", \"messages\": []}", "messages");
        rejectedNaming("{\"model\": \"m\"}", "messages");
    }

    @Test
    void aMessageNeedsAKnownRole() {
        rejectedNaming("{\"model\": \"m\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}", "messages[0].role");
        rejectedNaming("{\"model\": \"m\", \"messages\": [" + HELLO + ", {\"content\": \"hi\"}]}", "messages[1].role");
    }

    @Test
    void aMessageNeedsContent() {
        rejectedNaming("{\"model\": \"m\", \"messages\": [{\"role\": \"user\"}]}", "messages[0].content");
    }

    @Test
    void aNullMessageIsRejectedNamingIt() {
        rejectedNaming("{\"model\": \"m\", \"messages\": [null]}", "messages[0]");
    }

    @Test
    void temperatureIsBounded() {
        rejectedNaming(completion(", \"temperature\": 2.1"), "temperature");
        rejectedNaming(completion(", \"temperature\": -0.1"), "temperature");
    }

    @Test
    void topPIsBounded() {
        rejectedNaming(completion(", \"top_p\": 1.5"), "top_p");
    }

    @Test
    void maxTokensIsAtLeastOne() {
        rejectedNaming(completion(", \"max_tokens\": 0"), "max_tokens");
        rejectedNaming(completion(", \"max_tokens\": 1.5"), "max_tokens");
    }

    @Test
    void onlyOneChoiceIsSupported() {
        rejectedNaming(completion(", \"n\": 2"), "n");
    }

    @Test
    void streamIsABoolean() {
        rejectedNaming(completion(", \"stream\": \"yes\""), "stream");
        rejectedNaming(completion(", \"stream\": \"true\""), "stream");
    }

    @Test
    void platformEndpointsKeepProblemJson() {
        given().when().get("/v1/no-such-endpoint")
                .then().spec(problem(404));
    }

    @Test
    void metricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void openApiIsPublished() {
        given().when().get("/q/openapi?format=json")
                .then().statusCode(200)
                .body("paths", hasKey("/v1/chat/completions"))
                .body("paths", hasKey("/v1/completions"))
                .body("components.schemas.ChatCompletionRequest.properties", hasKey("max_tokens"))
                .body("components.schemas.ChatCompletionRequest.properties", hasKey("top_p"));
    }
}
