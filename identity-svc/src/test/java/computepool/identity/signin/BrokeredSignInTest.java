package computepool.identity.signin;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.LocalStackEnv;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.localstack.signin.Browser;
import computepool.localstack.signin.KeycloakBrokers;
import computepool.localstack.signin.LocalGitHub;
import computepool.localstack.signin.PortalSignIn;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signing in to the portal through Keycloak's real pages with GitHub (Keycloak's GitHub broker, talking to a local
 * server that speaks GitHub's OAuth and REST protocol) and Google (a generic OpenID Connect broker, talking to a second
 * realm of the same Keycloak), and what a sign-in may link to: the developer it lands as is the one identity-svc
 * knows, on every later sign-in too.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "identity_test"))
@QuarkusTestResource(LocalBrokersTestResource.class)
class BrokeredSignInTest {

    private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

    private static LocalStackEnv env;
    private static KeycloakBrokers keycloak;
    private static LocalGitHub github;

    @BeforeAll
    static void brokers() {
        env = TestLogins.env();
        keycloak = LocalBrokersTestResource.keycloak;
        github = LocalBrokersTestResource.github;
    }

    @Test
    void aGitHubSignInMakesADeveloperAndLandsAsThatDeveloperOnEveryLaterSignInEvenAfterARename() {
        String name = unique("octo");
        LocalGitHub.Account account = github.addAccount(name, "Octo Cat", PASSWORD, null,
                List.of(new LocalGitHub.Email(name + "@users.example", true, true)));

        PortalSignIn.Tokens first = signInWithGitHub(new PortalSignIn(env), account);
        String developer = developerId(first.accessToken());
        LocalGitHub.Account renamed = github.rename(account.id(), name + "-renamed");
        PortalSignIn.Tokens again = signInWithGitHub(new PortalSignIn(env), renamed);

        assertEquals(first.subject(), again.subject(), "the same GitHub id signs in as the same Keycloak user");
        assertEquals(developer, developerId(again.accessToken()), "and as the same developer");
        assertEquals(name + "@users.example", first.email(), "the email came from GitHub's /user/emails");
        assertEquals(List.of("github"), keycloak.linkedProviders(first.subject()));
        assertTrue(github.apiCalls().stream().anyMatch(call -> call.path().equals("/user/emails")
                        && call.token().flatMap(github::holderOf).map(LocalGitHub.Account::id)
                                .filter(id -> id == account.id()).isPresent()),
                "Keycloak read the emails with the account's own token");
    }

    @Test
    void aGitHubEmailThatGitHubMarksVerifiedLinksTheSignInToTheDeveloperWithThatEmail() {
        String username = unique("ada");
        String email = username + "@example.org";
        String userId = keycloak.createDeveloper(username, email, true, PASSWORD, "Ada",
                "Lovelace");
        String developer = developerId(TestLogins.login(env, username, PASSWORD));
        LocalGitHub.Account account = github.addAccount(unique("ada-gh"), "Ada Lovelace", PASSWORD, null,
                List.of(new LocalGitHub.Email(unique("old") + "@example.org", false, true),
                        new LocalGitHub.Email(email, true, true)));

        PortalSignIn.Tokens signedIn = signInWithGitHub(new PortalSignIn(env), account);

        assertEquals(userId, signedIn.subject(), "linked to the developer whose email GitHub verified");
        assertEquals(developer, developerId(signedIn.accessToken()));
        assertEquals(List.of("github"), keycloak.linkedProviders(userId));
    }

    @Test
    void anEmailGitHubDoesNotMarkVerifiedNeverLinksTheSignInWithoutTheDevelopersPassword() {
        String username = unique("grace");
        String email = username + "@example.org";
        String userId = keycloak.createDeveloper(username, email, true, PASSWORD, "Grace",
                "Hopper");
        String intruder = unique("intruder");
        // Claimed as the public profile email and as the primary address, but never verified on GitHub.
        LocalGitHub.Account account = github.addAccount(intruder, "Not Grace", "intruder-password", email,
                List.of(new LocalGitHub.Email(email, true, false)));
        PortalSignIn portal = new PortalSignIn(env);

        Browser.Page confirm = gitHubPages(portal, account);

        assertTrue(confirm.arrived().isEmpty(), "signed in without proof: " + confirm.uri());
        assertTrue(confirm.text().contains("already exists"), confirm.text());
        assertEquals(List.of(), keycloak.linkedProviders(userId), "linked by an unverified email");
        assertTrue(keycloak.users(intruder).isEmpty(), "a second account was made with the developer's email");

        Browser.Page password = portal.browser().submit(confirm, confirm.form("form"),
                Map.of("submitAction", "linkAccount"));
        Browser.Page refused = portal.browser().submit(password, password.form("#kc-form-login"),
                Map.of("password", "intruder-password"));

        assertTrue(refused.arrived().isEmpty(), "linked with a wrong password");
        assertEquals(List.of(), keycloak.linkedProviders(userId));
        // The developer itself, proving the account with its password, may link it.
        Browser.Page linked = portal.browser().submit(refused, refused.form("#kc-form-login"),
                Map.of("password", PASSWORD));
        assertEquals(userId, portal.finish(linked).subject());
        assertEquals(List.of("github"), keycloak.linkedProviders(userId));
    }

    @Test
    void aSignedInDeveloperLinksItsGoogleAccountAndThenSignsInWithGoogleAsItself() {
        String username = unique("lin");
        String userId = keycloak.createDeveloper(username, username + "@example.org", true,
                PASSWORD, "Lin", "Developer");
        String developer = developerId(TestLogins.login(env, username, PASSWORD));
        String googleUser = unique("lin-google");
        keycloak.createUser(KeycloakBrokers.GOOGLE_REALM, googleUser, googleUser + "@gmail.example", true, PASSWORD,
                "Lin", "Google");
        PortalSignIn portal = new PortalSignIn(env);
        signInWithPassword(portal, username);

        Browser.Page linked = linkWhileSignedIn(portal, "google", page -> portal.browser().submit(page,
                page.form("#kc-form-login"), Map.of("username", googleUser, "password", PASSWORD)));

        assertTrue(linked.arrival().getQuery().contains("kc_action_status=success"), linked.arrival().toString());
        assertEquals(List.of("google"), keycloak.linkedProviders(userId));
        PortalSignIn withGoogle = new PortalSignIn(env);
        Browser.Page start = withGoogle.begin(Map.of());
        Browser.Page googleLogin = withGoogle.browser().open(start.link("#social-google"));
        PortalSignIn.Tokens signedIn = withGoogle.finish(withGoogle.browser().submit(googleLogin,
                googleLogin.form("#kc-form-login"), Map.of("username", googleUser, "password", PASSWORD)));
        assertEquals(userId, signedIn.subject());
        assertEquals(developer, developerId(signedIn.accessToken()));
    }

    @Test
    void aGitHubAccountLinkedToOneDeveloperIsRefusedToAnotherWithTheReason() {
        String name = unique("shared");
        LocalGitHub.Account account = github.addAccount(name, "Shared Account", PASSWORD, null,
                List.of(new LocalGitHub.Email(name + "@users.example", true, true)));
        String owner = signInWithGitHub(new PortalSignIn(env), account).subject();
        String other = unique("other");
        String otherId = keycloak.createDeveloper(other, other + "@example.org", true, PASSWORD,
                "Other", "Developer");
        PortalSignIn portal = new PortalSignIn(env);
        signInWithPassword(portal, other);

        Browser.Page refused = linkWhileSignedIn(portal, "github", page -> portal.browser().submit(page,
                page.form("#login"), Map.of("login", account.login(), "password", PASSWORD)));

        assertTrue(refused.arrived().isEmpty(), "linked: " + refused.uri());
        assertTrue(refused.text().contains("already linked to another user"), refused.text());
        assertEquals(List.of(), keycloak.linkedProviders(otherId));
        assertEquals(List.of("github"), keycloak.linkedProviders(owner));
    }

    @Test
    void aGitHubAnswerWithACodeGitHubNeverIssuedSignsNobodyIn() {
        String name = unique("forger");
        PortalSignIn portal = new PortalSignIn(env);
        Browser.Page login = portal.begin(Map.of());
        Browser.Page authorize = portal.browser().open(login.link("#social-github"));
        String state = authorize.form("#login").selectFirst("input[name=state]").val();

        Browser.Page answer = portal.browser().open(URI.create(keycloak.brokerCallback("github") + "?code=forged-"
                + name + "&state=" + state));

        assertTrue(answer.arrived().isEmpty(), "signed in with a forged code");
        assertTrue(answer.status() >= 400, answer.status() + ": " + answer.text());
        assertTrue(keycloak.users(name).isEmpty());
        assertTrue(github.apiCalls().stream().noneMatch(call -> call.token().isEmpty()),
                "Keycloak called GitHub's API without a token");
    }

    private static PortalSignIn.Tokens signInWithPassword(PortalSignIn portal, String username) {
        Browser.Page login = portal.begin(Map.of());
        return portal.finish(portal.browser().submit(login, login.form("#kc-form-login"),
                Map.of("username", username, "password", PASSWORD)));
    }

    static PortalSignIn.Tokens signInWithGitHub(PortalSignIn portal, LocalGitHub.Account account) {
        return portal.finish(gitHubPages(portal, account));
    }

    /** Keycloak's login page → its GitHub button → GitHub's sign-in form → wherever Keycloak goes next. */
    static Browser.Page gitHubPages(PortalSignIn portal, LocalGitHub.Account account) {
        Browser.Page login = portal.begin(Map.of());
        Browser.Page gitHub = portal.browser().open(login.link("#social-github"));
        return portal.browser().submit(gitHub, gitHub.form("#login"),
                Map.of("login", account.login(), "password", account.password()));
    }

    /** Keycloak's application-initiated action {@code idp_link}: confirm, then sign in at the provider. */
    private static Browser.Page linkWhileSignedIn(PortalSignIn portal, String alias,
            java.util.function.UnaryOperator<Browser.Page> atProvider) {
        Browser.Page confirm = portal.begin(Map.of("kc_action", "idp_link:" + alias));
        Browser.Page provider = portal.browser().submit(confirm, confirm.form("form"), Map.of());
        return atProvider.apply(provider);
    }

    static String developerId(String accessToken) {
        return given().auth().oauth2(accessToken).when().get("/v1/developers/me")
                .then().statusCode(200).extract().path("id");
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
