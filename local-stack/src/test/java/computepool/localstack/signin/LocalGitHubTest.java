package computepool.localstack.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalGitHubTest {

    private static final String CALLBACK = "http://127.0.0.1:9/broker/github/endpoint";

    private final LocalGitHub github = LocalGitHub.start("app", "app-secret", CALLBACK);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void theWebFlowGivesACodeOnceForATokenThatReadsTheAccountAndItsEmails() throws Exception {
        LocalGitHub.Account ada = github.addAccount("ada", "Ada Lovelace", "pw", null,
                List.of(new LocalGitHub.Email("ada@example.org", true, true)));
        String code = signIn("ada", "pw", "read:user user:email");

        String token = token(code, "application/x-www-form-urlencoded");
        HttpResponse<String> user = api("/user", "Bearer " + token);
        HttpResponse<String> emails = api("/user/emails", "token " + token);

        assertEquals(200, user.statusCode());
        assertTrue(user.body().contains("\"id\":" + ada.id()) && user.body().contains("\"email\":null"), user.body());
        assertEquals("read:user, user:email", user.headers().firstValue("X-OAuth-Scopes").orElseThrow());
        assertEquals("[{\"email\":\"ada@example.org\",\"primary\":true,\"verified\":true,\"visibility\":null}]",
                emails.body());
        assertEquals(ada.id(), github.holderOf(token).orElseThrow().id());
        assertTrue(post(code, "app-secret", "application/json").contains("bad_verification_code"),
                "a code is good once");
    }

    @Test
    void strangersGetNothing() throws Exception {
        github.addAccount("ada", "Ada Lovelace", "pw", null, List.of(new LocalGitHub.Email("ada@example.org", true, true)));

        assertEquals(401, sessionStatus("ada", "wrong", CALLBACK), "a wrong password signs nobody in");
        assertEquals(400, sessionStatus("ada", "pw", "http://127.0.0.1:9/elsewhere"), "a callback the app did not register");
        String code = signIn("ada", "pw", "read:user user:email");
        assertTrue(post(code, "not-the-secret", "application/json").contains("incorrect_client_credentials"));
        assertEquals(401, api("/user", "Bearer gho_forged").statusCode());
        assertEquals(401, api("/user", null).statusCode());
        assertFalse(github.apiCalls().isEmpty());
    }

    @Test
    void theEmailsNeedTheUserEmailScope() throws Exception {
        github.addAccount("ada", "Ada Lovelace", "pw", null, List.of(new LocalGitHub.Email("ada@example.org", true, true)));
        String token = token(signIn("ada", "pw", "read:user"), "application/json");

        assertEquals(200, api("/user", "Bearer " + token).statusCode());
        assertEquals(404, api("/user/emails", "Bearer " + token).statusCode());
    }

    @Test
    void issueSearchCountsTheAuthorsMergedPullRequestsSinceADateAndInTheNamedRepositories() throws Exception {
        github.addAccount("ada", "Ada Lovelace", "pw", null, List.of(new LocalGitHub.Email("ada@example.org", true, true)));
        java.time.Instant now = java.time.Instant.parse("2026-12-01T00:00:00Z");
        github.merged("ada", "a/one", now.minus(java.time.Duration.ofDays(10)));
        github.merged("ada", "b/two", now.minus(java.time.Duration.ofDays(100)));
        github.merged("ada", "a/one", now.minus(java.time.Duration.ofDays(400)));
        github.merged("grace", "a/one", now.minus(java.time.Duration.ofDays(1)));
        String token = token(signIn("ada", "pw", "read:user"), "application/json");

        assertEquals(2, count("type:pr is:merged author:ada merged:>=2025-12-01", token));
        assertEquals(1, count("type:pr is:merged author:ada merged:>=2025-12-01 repo:a/one", token));
        assertEquals(2, count("type:pr is:merged author:ada merged:>=2025-12-01 repo:a/one repo:b/two", token));
        assertEquals(0, count("type:pr is:merged author:ada label:bug", token), "a qualifier it does not know");
    }

    private int count(String q, String token) throws Exception {
        String body = api("/search/issues?q=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8),
                "Bearer " + token).body();
        return Integer.parseInt(body.replaceAll(".*\"total_count\":([0-9]+).*", "$1"));
    }

    private String signIn(String login, String password, String scope) throws Exception {
        HttpResponse<String> response = session(login, password, CALLBACK, scope);
        assertEquals(302, response.statusCode(), response.body());
        URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
        Map<String, String> query = LocalHttp.form(location.getRawQuery());
        assertEquals("st4te", query.get("state"));
        return query.get("code");
    }

    private int sessionStatus(String login, String password, String redirect) throws Exception {
        return session(login, password, redirect, "user:email").statusCode();
    }

    private HttpResponse<String> session(String login, String password, String redirect, String scope) throws Exception {
        String form = "client_id=app&redirect_uri=" + redirect + "&scope=" + scope.replace(" ", "+")
                + "&state=st4te&login=" + login + "&password=" + password;
        return http.send(HttpRequest.newBuilder(URI.create(github.baseUrl() + "/session"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(String code, String accept) throws Exception {
        String answer = post(code, "app-secret", accept);
        if (answer.startsWith("{")) {
            return answer.replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");
        }
        return LocalHttp.form(answer).get("access_token");
    }

    private String post(String code, String secret, String accept) throws Exception {
        String form = "client_id=app&client_secret=" + secret + "&code=" + code + "&redirect_uri=" + CALLBACK;
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(github.baseUrl() + "/login/oauth/access_token"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GitHub answers token errors 200 too");
        return response.body();
    }

    private HttpResponse<String> api(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(github.apiUrl() + path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
