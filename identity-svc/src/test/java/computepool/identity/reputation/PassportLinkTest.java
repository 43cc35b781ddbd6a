package computepool.identity.reputation;

import static computepool.problems.ProblemAssertions.problemNaming;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.identity.domain.siwe.TestWallets;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Linking an Ethereum address for its Human Passport score through a Sign-In with Ethereum message, against a local
 * server speaking Passport's Stamps API v2; the two realm users (developer and admin) play two developers.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "identity_test"))
@QuarkusTestResource(LocalPassportTestResource.class)
class PassportLinkTest {

    @BeforeEach
    void nothingLinked() {
        LocalPassportTestResource.passport.recover();
        for (String token : List.of(TestLogins.developer(), TestLogins.admin())) {
            given().auth().oauth2(token).when().delete("/v1/reputation/passport").then().statusCode(
                    org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(404)));
        }
    }

    @Test
    void aSignedMessageLinksTheAddressAndItsPassportScoreCountsTowardTheReputation() {
        ECKeyPair wallet = wallet();
        LocalPassportTestResource.passport.score(address(wallet), "33.538");
        JsonPath challenge = challenge(TestLogins.developer(), address(wallet));

        JsonPath linked = link(TestLogins.developer(), challenge.getString("message"),
                sign(challenge.getString("message"), wallet)).then().statusCode(200).extract().jsonPath();

        assertEquals(address(wallet).toLowerCase(), linked.getString("passport.address"));
        assertEquals("33.538", linked.getString("passport.score"));
        assertEquals("passport", linked.getString("score.parts[0].signal"));
        assertEquals(33.54f, linked.getFloat("score.parts[0].points"), "the Passport part, rounded to the hundredth");
        assertEquals(33.54f, linked.getFloat("score.total"), "no GitHub signal linked");
        assertEquals("PASSPORT_LINKED", linked.getString("score.cause"));
        given().auth().oauth2(TestLogins.developer()).when().get("/v1/reputation/history?limit=1")
                .then().statusCode(200).body("scores[0].cause", equalTo("PASSPORT_LINKED"))
                .body("scores[0].total", equalTo(33.54f));
        assertTrue(challenge.getString("message").startsWith("localhost wants you to sign in with your Ethereum account:\n"
                + Keys.toChecksumAddress(address(wallet)) + "\n"), challenge.getString("message"));
    }

    @Test
    void aMessageSignedByAnotherKeyReusedOrMadeForAnotherSiteLinksNothing() {
        ECKeyPair wallet = wallet();
        String developer = TestLogins.developer();
        JsonPath challenge = challenge(developer, address(wallet));
        String message = challenge.getString("message");

        link(developer, message, sign(message, wallet())).then().spec(problemNaming(400, "signature"));
        String elsewhere = message.replaceFirst("^localhost ", "evil.example ");
        link(developer, elsewhere, sign(elsewhere, wallet)).then().spec(problemNaming(400, "message.domain"));
        String forged = message.replace("Nonce: " + challenge.getString("nonce"), "Nonce: Forged1234567");
        link(developer, forged, sign(forged, wallet)).then().spec(problemNaming(400, "message.nonce"));
        link(TestLogins.admin(), message, sign(message, wallet)).then().spec(problemNaming(400, "message.nonce"));
        link(developer, "not a message", sign("not a message", wallet)).then().spec(problemNaming(400, "message"));
        link(developer, message, "0x00").then().spec(problemNaming(400, "signature"));
        assertNothingLinked(developer);

        link(developer, message, sign(message, wallet)).then().statusCode(200);
        link(developer, message, sign(message, wallet)).then().spec(problemNaming(400, "message.nonce"))
                .body("errors[0].detail", org.hamcrest.Matchers.containsString("used already"));
    }

    @Test
    void aNonceOutlivedIsRefusedEvenInAMessageTheOwnerSignedWithALaterExpiry() throws Exception {
        ECKeyPair wallet = wallet();
        String developer = TestLogins.developer();
        JsonPath challenge = challenge(developer, address(wallet));
        Instant expiry = Instant.parse(challenge.getString("expiresAt"));
        String longer = challenge.getString("message").replaceAll("Expiration Time: .*$",
                "Expiration Time: " + expiry.plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS));

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expiry).toMillis()) + 500);

        link(developer, longer, sign(longer, wallet)).then().spec(problemNaming(400, "message.nonce"))
                .body("errors[0].detail", org.hamcrest.Matchers.containsString("expired"));
        String message = challenge.getString("message");
        link(developer, message, sign(message, wallet)).then().spec(problemNaming(400, "message.expirationTime"));
        assertNothingLinked(developer);
    }

    @Test
    void whilePassportFailsOrStallsNothingIsLinkedAndTheSameSignedMessageLinksOnceItAnswers() {
        ECKeyPair wallet = wallet();
        LocalPassportTestResource.passport.score(address(wallet), "21.5");
        String developer = TestLogins.developer();
        String message = challenge(developer, address(wallet)).getString("message");
        String signature = sign(message, wallet);

        LocalPassportTestResource.passport.failFor(500, Duration.ofMinutes(1));
        link(developer, message, signature).then().spec(problemNaming(503, "passport"));
        LocalPassportTestResource.passport.stallFor(Duration.ofSeconds(2), Duration.ofMinutes(1));
        link(developer, message, signature).then().spec(problemNaming(503, "passport"));
        assertNothingLinked(developer);

        LocalPassportTestResource.passport.recover();
        link(developer, message, signature).then().statusCode(200).body("passport.score", equalTo(21.5f));
    }

    @Test
    void anAddressCountsForOneDeveloperOnlyUntilItIsUnlinked() {
        ECKeyPair wallet = wallet();
        String message = challenge(TestLogins.developer(), address(wallet)).getString("message");
        link(TestLogins.developer(), message, sign(message, wallet)).then().statusCode(200);

        String again = challenge(TestLogins.admin(), address(wallet)).getString("message");
        link(TestLogins.admin(), again, sign(again, wallet)).then().spec(problemNaming(409, "message.address"))
                .body("errors[0].detail", org.hamcrest.Matchers.containsString("another developer"));
        String second = challenge(TestLogins.developer(), address(wallet())).getString("message");
        ECKeyPair other = wallet();
        String secondOwn = challenge(TestLogins.developer(), address(other)).getString("message");
        link(TestLogins.developer(), secondOwn, sign(secondOwn, other)).then().spec(problemNaming(409, "message.address"))
                .body("errors[0].detail", org.hamcrest.Matchers.containsString("unlink it first"));
        assertTrue(second.contains("Nonce: "));

        given().auth().oauth2(TestLogins.developer()).when().delete("/v1/reputation/passport")
                .then().statusCode(200).body("passport", org.hamcrest.Matchers.nullValue())
                .body("score.cause", equalTo("PASSPORT_UNLINKED"));
        String afterUnlink = challenge(TestLogins.admin(), address(wallet)).getString("message");
        link(TestLogins.admin(), afterUnlink, sign(afterUnlink, wallet)).then().statusCode(200);
    }

    @Test
    void theRefreshReadsEveryLinkedScoreAgainAndRecordsAChangeOnlyAnAdministratorMayRunIt() {
        ECKeyPair wallet = wallet();
        LocalPassportTestResource.passport.score(address(wallet), "12");
        String message = challenge(TestLogins.developer(), address(wallet)).getString("message");
        link(TestLogins.developer(), message, sign(message, wallet)).then().statusCode(200);
        LocalPassportTestResource.passport.score(address(wallet), "48.25");

        given().auth().oauth2(TestLogins.developer()).when().post("/v1/admin/reputation/refresh").then().statusCode(403);
        given().when().post("/v1/admin/reputation/refresh").then().statusCode(401);
        given().auth().oauth2(TestLogins.admin()).when().post("/v1/admin/reputation/refresh").then().statusCode(200);

        given().auth().oauth2(TestLogins.developer()).when().get("/v1/reputation").then().statusCode(200)
                .body("passport.score", equalTo(48.25f))
                .body("score.total", equalTo(40.0f)).body("score.cause", equalTo("SCHEDULED"));
        given().auth().oauth2(TestLogins.admin()).when().post("/v1/admin/reputation/refresh").then().statusCode(200);
        given().auth().oauth2(TestLogins.developer()).when().get("/v1/reputation/history?limit=3").then()
                .body("scores.cause", equalTo(List.of("SCHEDULED", "PASSPORT_LINKED", "PASSPORT_UNLINKED")));
    }

    @Test
    void strangersAndBadBodiesAreRefused() {
        given().contentType(ContentType.JSON).body(Map.of("address", address(wallet())))
                .when().post("/v1/reputation/passport/challenges").then().statusCode(401);
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON).body(Map.of("address", "0x1234"))
                .when().post("/v1/reputation/passport/challenges").then().spec(problemNaming(400, "address"));
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON).body(Map.of("message", "m"))
                .when().put("/v1/reputation/passport").then().spec(problemNaming(400, "signature"));
        for (String limit : List.of("abc", "0", "501")) {
            given().auth().oauth2(TestLogins.developer()).when().get("/v1/reputation/history?limit=" + limit)
                    .then().spec(problemNaming(400, "limit"));
        }
    }

    private static void assertNothingLinked(String token) {
        given().auth().oauth2(token).when().get("/v1/reputation").then().statusCode(200)
                .body("passport", org.hamcrest.Matchers.nullValue());
    }

    private static JsonPath challenge(String token, String address) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("address", address))
                .when().post("/v1/reputation/passport/challenges").then().statusCode(201).extract().jsonPath();
    }

    private static io.restassured.response.Response link(String token, String message, String signature) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("message", message, "signature", signature))
                .when().put("/v1/reputation/passport");
    }

    private static ECKeyPair wallet() {
        return TestWallets.fresh();
    }

    private static String address(ECKeyPair wallet) {
        return TestWallets.address(wallet);
    }

    private static String sign(String message, ECKeyPair wallet) {
        return TestWallets.sign(message, wallet);
    }
}
