package computepool.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import computepool.gateway.support.RealmUsers;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's limits at its edge, against the stack's real Redis and Keycloak: access-token callers limited per
 * Keycloak subject, and client addresses that fail to authenticate too often refused before identity-svc is asked.
 * Each test uses Keycloak users and client addresses of its own, so no counter in the shared Redis is another's.
 */
@QuarkusTest
@TestProfile(EdgeLimitsTest.TightLimits.class)
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = LocalStackTestResource.DATABASE, value = "gateway_test"),
        @ResourceArg(name = LocalStackTestResource.SERVICE, value = "gateway-svc")})
class EdgeLimitsTest {

    private static final int REQUESTS_PER_MINUTE = 3;
    private static final int TOKENS_PER_MINUTE = 1_000;
    private static final int MAX_FAILED_ATTEMPTS = 4;
    private static final Duration MINUTE = Duration.ofSeconds(60);
    /** Served here, with no shard worker: a request the limits admit ends in 503 no_healthy_pipeline. */
    private static final String SERVED = "smollm2-135m-instruct";
    private static final String HELLO = "{\"model\": \"" + SERVED + "\", \"max_tokens\": 4, "
            + "\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";
    /** No identity-svc runs in these tests: a key it were asked about is answered 503 identity_unavailable. */
    private static final String SOME_KEY = "cp_" + "b".repeat(40);

    private static final RealmUsers USERS = RealmUsers.ofTheStack();

    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "computepool.gateway.token-rate-limits.requests-per-minute", String.valueOf(REQUESTS_PER_MINUTE),
                    "computepool.gateway.token-rate-limits.tokens-per-minute", String.valueOf(TOKENS_PER_MINUTE),
                    "computepool.gateway.failed-authentication.max-attempts", String.valueOf(MAX_FAILED_ATTEMPTS),
                    // The test client names its address as a proxy in front would, so each test has addresses of
                    // its own rather than sharing loopback with every other test of the machine.
                    "computepool.gateway.failed-authentication.trust-forwarded-for", "true");
        }
    }

    @AfterAll
    static void removeTheUsers() {
        USERS.close();
    }

    private static String developer(String name) {
        return USERS.newUsersToken(name, List.of("developer"));
    }

    private static ValidatableResponse chat(String token, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .when().post("/v1/chat/completions").then();
    }

    private static ValidatableResponse admitted(ValidatableResponse response) {
        return response.log().ifValidationFails().statusCode(503).body("error.code", equalTo("no_healthy_pipeline"));
    }

    private static ValidatableResponse tooMany(ValidatableResponse response, String type, String code) {
        return response.log().ifValidationFails().statusCode(429)
                .contentType(ContentType.JSON)
                .header("Retry-After", Integer::parseInt, allOf(greaterThanOrEqualTo(1), lessThanOrEqualTo(60)))
                .body("error.type", equalTo(type))
                .body("error.code", equalTo(code));
    }

    /** A documentation address (2001:db8::/32) no other test or run uses. */
    private static String newAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "2001:db8:%x:%x:%x:%x::1".formatted(random.nextInt(0x10000), random.nextInt(0x10000),
                random.nextInt(0x10000), random.nextInt(0x10000));
    }

    private static RequestSpecification from(String address) {
        return given().header("X-Forwarded-For", address);
    }

    /**
     * Counters run in calendar windows of Redis' clock (the machine's own, on loopback): a test whose requests must
     * land in one window starts early enough in it.
     */
    private static void roomInTheWindow(Duration needed) throws InterruptedException {
        long seconds = MINUTE.toSeconds();
        long left = seconds - Instant.now().getEpochSecond() % seconds;
        if (left < needed.toSeconds()) {
            Thread.sleep(Duration.ofSeconds(left).plusMillis(250));
        }
    }

    @Test
    void aDeveloperWithATokenIsLimitedPerMinuteWhileAnotherIsStillServed() throws InterruptedException {
        String limited = developer("limited");
        String other = developer("other");
        roomInTheWindow(Duration.ofSeconds(15));
        for (int request = 1; request <= REQUESTS_PER_MINUTE; request++) {
            admitted(chat(limited, HELLO));
        }
        tooMany(chat(limited, HELLO), "requests", "rate_limit_exceeded")
                .body("error.message", containsString("limit " + REQUESTS_PER_MINUTE + ", used "
                        + REQUESTS_PER_MINUTE));
        tooMany(chat(limited, HELLO.replace("Hello", "Hello again")), "requests", "rate_limit_exceeded");
        admitted(chat(other, HELLO));
        // Listing models is not limited: only completions draw on the allowance.
        given().auth().oauth2(limited).when().get("/v1/models").then().statusCode(200);
    }

    @Test
    void aTokenCallersPromptTokensCountAgainstItsTokensPerMinute() throws InterruptedException {
        String developer = developer("tokens");
        roomInTheWindow(Duration.ofSeconds(15));
        String longPrompt = HELLO.replace("Hello", "word ".repeat(TOKENS_PER_MINUTE + 100));
        tooMany(chat(developer, longPrompt), "tokens", "rate_limit_exceeded")
                .body("error.message", containsString("limit " + TOKENS_PER_MINUTE + ", used 0"));
        admitted(chat(developer, HELLO));
    }

    @Test
    void anAddressThatFailsTooOftenIsRefusedWithoutIdentitySvcBeingAsked() throws InterruptedException {
        String blocked = newAddress();
        String elsewhere = newAddress();
        String developer = TestLogins.developer();
        roomInTheWindow(Duration.ofSeconds(20));
        // Before: a key is taken to identity-svc, which does not answer here.
        from(elsewhere).auth().oauth2(SOME_KEY).contentType(ContentType.JSON).body(HELLO)
                .when().post("/v1/chat/completions")
                .then().statusCode(503).body("error.code", equalTo("identity_unavailable"));

        from(blocked).when().get("/v1/models").then().statusCode(401);
        from(blocked).auth().oauth2("not-a-jwt").when().get("/v1/models").then().statusCode(401);
        from(blocked).header("Authorization", "Basic Zm9vOmJhcg==").when().get("/v1/models").then().statusCode(401);
        from(blocked).auth().oauth2("not-a-jwt").contentType(ContentType.JSON).body(HELLO)
                .when().post("/v1/chat/completions").then().statusCode(401);

        // After four failures the same key is refused at once: had identity-svc been asked, this were a 503.
        tooMany(from(blocked).auth().oauth2(SOME_KEY).contentType(ContentType.JSON).body(HELLO)
                .when().post("/v1/chat/completions").then(), "requests", "authentication_attempts_exceeded")
                .body("error.message", containsString(MAX_FAILED_ATTEMPTS + " within 60s"));
        tooMany(from(blocked).auth().oauth2("not-a-jwt").when().get("/v1/models").then(), "requests",
                "authentication_attempts_exceeded");
        // A valid caller from that address is refused too, until the window ends.
        tooMany(from(blocked).auth().oauth2(developer).when().get("/v1/models").then(), "requests",
                "authentication_attempts_exceeded");

        // Other addresses are not: neither one the client claims before the address the proxy appended.
        from(elsewhere).auth().oauth2(developer).when().get("/v1/models").then().statusCode(200);
        from(blocked + ", " + elsewhere).auth().oauth2("not-a-jwt").when().get("/v1/models")
                .then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
    }

    @Test
    void onlyCredentialsThatAreWrongCountAsFailedAttempts() throws InterruptedException {
        String address = newAddress();
        String notADeveloper = USERS.newUsersToken("nobody", List.of());
        roomInTheWindow(Duration.ofSeconds(20));
        for (int attempt = 0; attempt <= MAX_FAILED_ATTEMPTS; attempt++) {
            // A genuine login without the developer role, and a key identity-svc could not judge.
            from(address).auth().oauth2(notADeveloper).when().get("/v1/models")
                    .then().statusCode(403).body("error.code", equalTo("permission_denied"));
            from(address).auth().oauth2(SOME_KEY).when().get("/v1/models")
                    .then().statusCode(503).body("error.code", equalTo("identity_unavailable"));
        }
        from(address).auth().oauth2(TestLogins.developer()).when().get("/v1/models").then().statusCode(200);
    }
}
