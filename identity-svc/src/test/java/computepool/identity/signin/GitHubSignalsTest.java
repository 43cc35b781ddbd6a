package computepool.identity.signin;

import static computepool.identity.signin.BrokeredSignInTest.signInWithGitHub;
import static computepool.identity.signin.BrokeredSignInTest.unique;
import static computepool.problems.ProblemAssertions.problemNaming;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.localstack.signin.LocalGitHub;
import computepool.localstack.signin.PortalSignIn;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * (Its local GitHub comes from {@link LocalBrokersTestResource}, which {@link BrokeredSignInTest} declares for every
 * test of the module.) The GitHub signals of a developer who signed in with GitHub, read by identity-svc with the developer's own GitHub
 * token (which Keycloak keeps and hands back only to the developer's own sign-in).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "identity_test"))
class GitHubSignalsTest {

    private static final String PASSWORD = "s3cret-github";

    @Test
    void theSignalsAreReadWithTheDevelopersOwnTokenAndEachPartIsShown() {
        LocalGitHub github = LocalBrokersTestResource.github;
        String login = unique("contributor");
        LocalGitHub.Account account = github.addAccount(login, "Con Tributor", PASSWORD, null,
                List.of(new LocalGitHub.Email(login + "@users.example", true, true)));
        Instant now = Instant.now();
        github.merged(login, "computepool/computepool", now.minus(Duration.ofDays(10)));
        github.merged(login, "ggml-org/llama.cpp", now.minus(Duration.ofDays(200)));
        github.merged(login, "someone/else", now.minus(Duration.ofDays(30)));
        github.merged(login, "computepool/computepool", now.minus(Duration.ofDays(500)));
        github.merged("somebody-else", "computepool/computepool", now.minus(Duration.ofDays(5)));
        PortalSignIn.Tokens signedIn = signInWithGitHub(new PortalSignIn(TestLogins.env()), account);
        int callsBefore = github.apiCalls().size();

        JsonPath reputation = given().auth().oauth2(signedIn.accessToken()).when().put("/v1/reputation/github")
                .then().statusCode(200).extract().jsonPath();

        assertEquals(login, reputation.getString("github.login"));
        assertEquals(List.of("passport", "github.account-age", "github.public-repositories",
                "github.merged-pull-requests", "github.merged-into-listed-projects"),
                reputation.getList("score.parts.signal"));
        assertEquals(List.of("not linked", "400 days", "3", "3", "2"), reputation.getList("score.parts.measured"));
        // 10 × 400 / 730 = 5.47, 3 × 0.5, 3 × 0.5, 2 × 1.5
        assertEquals(List.of(0.0f, 5.47f, 1.5f, 1.5f, 3.0f), reputation.getList("score.parts.points", Float.class));
        assertEquals(11.47f, reputation.getFloat("score.total"));
        assertEquals("GITHUB_READ", reputation.getString("score.cause"));
        List<LocalGitHub.ApiCall> calls = github.apiCalls().subList(callsBefore, github.apiCalls().size());
        assertFalse(calls.isEmpty());
        assertTrue(calls.stream().allMatch(call -> call.token().flatMap(github::holderOf)
                .map(LocalGitHub.Account::id).filter(id -> id == account.id()).isPresent()),
                "every call GitHub received carried the developer's own token: " + calls);
    }

    @Test
    void aTokenWithoutTheProfileScopeIsRefusedNamingIt() {
        LocalGitHub github = LocalBrokersTestResource.github;
        String login = unique("narrow");
        LocalGitHub.Account account = github.addAccount(login, "Nar Row", PASSWORD, null,
                List.of(new LocalGitHub.Email(login + "@users.example", true, true)));
        github.grantOnly(account.id(), Set.of("user:email"));
        PortalSignIn.Tokens signedIn = signInWithGitHub(new PortalSignIn(TestLogins.env()), account);

        given().auth().oauth2(signedIn.accessToken()).when().put("/v1/reputation/github")
                .then().spec(problemNaming(400, "github.scope"));
        given().auth().oauth2(signedIn.accessToken()).when().get("/v1/reputation")
                .then().statusCode(200).body("github", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aDeveloperWithoutAGitHubAccountIsToldSoAndStrangersGetNothing() {
        given().auth().oauth2(TestLogins.developer()).when().put("/v1/reputation/github")
                .then().spec(problemNaming(400, "github"));
        given().when().put("/v1/reputation/github").then().statusCode(401);
        given().auth().oauth2("not-a-jwt").when().put("/v1/reputation/github").then().statusCode(401);
        given().auth().oauth2(TestLogins.developer()).when().get("/v1/reputation").then().statusCode(200)
                .body("github", org.hamcrest.Matchers.nullValue()).body("score.parts[1].measured", equalTo("not linked"));
    }
}
