package computepool.localstack.signin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A local server on loopback speaking the parts of GitHub's documented protocol that a sign-in through Keycloak's
 * GitHub broker uses, so tests run it without github.com: the OAuth web flow ({@code GET /login/oauth/authorize},
 * its sign-in form, {@code POST /login/oauth/access_token}) and the REST API under {@link #apiUrl()}
 * ({@code GET /user}, {@code GET /user/emails}). Tokens are bound to an account and the scopes granted;
 * {@code /user/emails} needs {@code user:email} or {@code user}, as on GitHub. Every API call's token is recorded, so
 * a test can assert whose token reached GitHub.
 */
public final class LocalGitHub implements AutoCloseable {

    /** GitHub's code lifetime: an authorization code is good for ten minutes, once. */
    private static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String clientId;
    private final String clientSecret;
    private final String callbackPrefix;
    private final HttpServer server;
    private final Clock clock;
    /**
     * Ids start at random: Keycloak remembers the GitHub ids it linked for as long as the stack lives, so a server
     * started again must not hand out the ids an earlier one did.
     */
    private final AtomicLong ids = new AtomicLong(RANDOM.nextLong(1_000_000_000L, 1_000_000_000_000L));
    private final Map<Long, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, Grant> tokens = new ConcurrentHashMap<>();
    private final List<ApiCall> calls = new CopyOnWriteArrayList<>();
    private final PullRequestSearch pullRequests = new PullRequestSearch();
    /** Accounts whose owner granted fewer scopes than asked for (GitHub lets a user edit them): what they grant. */
    private final Map<Long, Set<String>> grantedScopes = new ConcurrentHashMap<>();


    /** An address of an account, as {@code /user/emails} lists it. */
    public record Email(String address, boolean primary, boolean verified) {
    }

    /**
     * A GitHub account: {@code publicEmail} is the profile's public email ({@code /user}'s {@code email}, null when
     * the owner keeps it private, GitHub's default).
     */
    public record Account(long id, String login, String name, String password, String publicEmail, List<Email> emails,
            Instant createdAt, int publicRepos) {

        public Account {
            emails = List.copyOf(emails);
        }

        public Account withLogin(String newLogin) {
            return new Account(id, newLogin, name, password, publicEmail, emails, createdAt, publicRepos);
        }
    }

    /** A call to the REST API: its path and the token it carried (empty when it carried none). */
    public record ApiCall(String path, Optional<String> token) {
    }

    private record Grant(long account, Set<String> scopes, String redirectUri, Instant expires) {
    }

    private LocalGitHub(String clientId, String clientSecret, String callbackPrefix, Clock clock) throws IOException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.callbackPrefix = callbackPrefix;
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/login/oauth/authorize", exchange -> LocalHttp.handle(exchange, this::authorize));
        server.createContext("/session", exchange -> LocalHttp.handle(exchange, this::signIn));
        server.createContext("/login/oauth/access_token", exchange -> LocalHttp.handle(exchange, this::accessToken));
        server.createContext("/api/", exchange -> LocalHttp.handle(exchange, this::api));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /**
     * A server that knows one OAuth app ({@code clientId}, {@code clientSecret}) whose callback URLs start with
     * {@code callbackPrefix}, as an app registered on GitHub names its callback.
     */
    public static LocalGitHub start(String clientId, String clientSecret, String callbackPrefix) {
        try {
            return new LocalGitHub(clientId, clientSecret, callbackPrefix, Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the OAuth web flow is: Keycloak's GitHub provider's {@code baseUrl}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Where the REST API is: Keycloak's GitHub provider's {@code apiUrl}. */
    public URI apiUrl() {
        return URI.create(baseUrl() + "/api");
    }

    /** Opens an account, as signing up on GitHub would; its id is GitHub's numeric user id. */
    public Account addAccount(String login, String name, String password, String publicEmail, List<Email> emails) {
        long id = ids.incrementAndGet();
        Account account = new Account(id, login, name, password, publicEmail, emails,
                clock.instant().minus(Duration.ofDays(400)), 3);
        accounts.put(id, account);
        return account;
    }

    /** Renames an account: GitHub lets a user change its login, and its id stays. */
    public Account rename(long id, String newLogin) {
        return accounts.compute(id, (key, account) -> {
            if (account == null) {
                throw new IllegalArgumentException("no account " + id);
            }
            return account.withLogin(newLogin);
        });
    }

    /** Records a merged pull request, which issue search then finds. */
    public void merged(String author, String repository, Instant mergedAt) {
        pullRequests.add(author, repository, mergedAt);
    }

    /** From now on, {@code account}'s owner grants only {@code scopes}, whatever an app asks for. */
    public void grantOnly(long account, Set<String> scopes) {
        grantedScopes.put(account, Set.copyOf(scopes));
    }

    /** Every call the REST API received, oldest first. */
    public List<ApiCall> apiCalls() {
        return List.copyOf(calls);
    }

    /** The account a token was issued to, if this server issued it. */
    public Optional<Account> holderOf(String token) {
        return Optional.ofNullable(tokens.get(token)).map(grant -> accounts.get(grant.account()));
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private LocalHttp.Answer authorize(HttpExchange exchange) {
        Map<String, String> query = LocalHttp.form(exchange.getRequestURI().getRawQuery());
        if (!clientId.equals(query.get("client_id"))) {
            return LocalHttp.Answer.html(404, page("Not Found", "<p>No OAuth app has this client id.</p>"));
        }
        String redirect = query.getOrDefault("redirect_uri", "");
        if (!redirect.startsWith(callbackPrefix)) {
            return LocalHttp.Answer.html(400, page("Redirect URI mismatch",
                    "<p>The redirect_uri is not associated with this application.</p>"));
        }
        return LocalHttp.Answer.html(200, signInForm(query, null));
    }

    private LocalHttp.Answer signIn(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return LocalHttp.Answer.html(405, page("Method Not Allowed", ""));
        }
        Map<String, String> form = LocalHttp.form(LocalHttp.body(exchange));
        if (!clientId.equals(form.get("client_id")) || !form.getOrDefault("redirect_uri", "").startsWith(callbackPrefix)) {
            return LocalHttp.Answer.html(400, page("Bad request", "<p>Unknown application.</p>"));
        }
        Optional<Account> account = accounts.values().stream()
                .filter(candidate -> candidate.login().equalsIgnoreCase(form.getOrDefault("login", "")))
                .filter(candidate -> candidate.password().equals(form.get("password")))
                .findFirst();
        if (account.isEmpty()) {
            return LocalHttp.Answer.html(401, signInForm(form, "Incorrect username or password."));
        }
        String code = secret(10);
        Set<String> scopes = grantedScopes.getOrDefault(account.get().id(), scopes(form.get("scope")));
        codes.put(code, new Grant(account.get().id(), scopes, form.get("redirect_uri"),
                clock.instant().plus(CODE_LIFETIME)));
        String redirect = form.get("redirect_uri");
        String location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + LocalHttp.encode(code)
                + (form.containsKey("state") ? "&state=" + LocalHttp.encode(form.get("state")) : "");
        return LocalHttp.Answer.redirect(location);
    }

    /**
     * GitHub answers a token request 200 even when it refuses it, with {@code error} in the body; form-encoded
     * unless the client asks for JSON.
     */
    private LocalHttp.Answer accessToken(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return LocalHttp.Answer.html(405, page("Method Not Allowed", ""));
        }
        Map<String, String> form = LocalHttp.form(LocalHttp.body(exchange));
        boolean json = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Accept")).orElse("")
                .contains("application/json");
        if (!clientId.equals(form.get("client_id")) || !clientSecret.equals(form.get("client_secret"))) {
            return tokenError(json, "incorrect_client_credentials",
                    "The client_id and/or client_secret passed are incorrect.");
        }
        Grant grant = codes.remove(form.getOrDefault("code", ""));
        if (grant == null || grant.expires().isBefore(clock.instant())) {
            return tokenError(json, "bad_verification_code", "The code passed is incorrect or expired.");
        }
        if (form.containsKey("redirect_uri") && !form.get("redirect_uri").equals(grant.redirectUri())) {
            return tokenError(json, "redirect_uri_mismatch",
                    "The redirect_uri MUST match the registered callback URL for this application.");
        }
        String token = "gho_" + secret(27);
        tokens.put(token, grant);
        String scope = String.join(",", grant.scopes());
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("access_token", token);
        answer.put("scope", scope);
        answer.put("token_type", "bearer");
        return json ? LocalHttp.Answer.json(200, Json.object(answer)) : LocalHttp.Answer.form(answer);
    }

    private LocalHttp.Answer api(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath().substring("/api".length());
        String query = exchange.getRequestURI().getRawQuery();
        Optional<String> token = bearer(exchange.getRequestHeaders().getFirst("Authorization"));
        calls.add(new ApiCall(path, token));
        Grant grant = token.map(tokens::get).orElse(null);
        Account account = grant == null ? null : accounts.get(grant.account());
        if (account == null) {
            return LocalHttp.Answer.json(401, "{\"message\":\"Bad credentials\","
                    + "\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"401\"}");
        }
        String scopes = String.join(", ", grant.scopes());
        return switch (path) {
            case "/user" -> LocalHttp.Answer.json(200, user(account)).withHeader("X-OAuth-Scopes", scopes);
            case "/user/emails" -> grant.scopes().contains("user:email") || grant.scopes().contains("user")
                    ? LocalHttp.Answer.json(200, emails(account)).withHeader("X-OAuth-Scopes", scopes)
                    : LocalHttp.Answer.json(404, "{\"message\":\"Not Found\","
                            + "\"documentation_url\":\"https://docs.github.com/rest/users/emails\",\"status\":\"404\"}")
                            .withHeader("X-OAuth-Scopes", scopes).withHeader("X-Accepted-OAuth-Scopes", "user, user:email");
            case "/search/issues" -> LocalHttp.Answer.json(200, "{\"total_count\":" + pullRequests.count(LocalHttp.form(query).getOrDefault("q", ""))
                    + ",\"incomplete_results\":false,\"items\":[]}");
            default -> LocalHttp.Answer.json(404, "{\"message\":\"Not Found\",\"status\":\"404\"}");
        };
    }

    private static String user(Account account) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("login", account.login());
        user.put("id", account.id());
        user.put("type", "User");
        user.put("name", account.name());
        user.put("email", account.publicEmail());
        user.put("public_repos", account.publicRepos());
        user.put("created_at", account.createdAt().toString());
        return Json.object(user);
    }

    private static String emails(Account account) {
        return account.emails().stream().map(email -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("email", email.address());
            entry.put("primary", email.primary());
            entry.put("verified", email.verified());
            entry.put("visibility", email.address().equals(account.publicEmail()) ? "public" : null);
            return Json.object(entry);
        }).collect(Collectors.joining(",", "[", "]"));
    }

    private LocalHttp.Answer tokenError(boolean json, String error, String description) {
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("error", error);
        answer.put("error_description", description);
        return json ? LocalHttp.Answer.json(200, Json.object(answer)) : LocalHttp.Answer.form(answer);
    }

    private static String signInForm(Map<String, String> request, String error) {
        StringBuilder hidden = new StringBuilder();
        for (String name : List.of("client_id", "redirect_uri", "scope", "state")) {
            if (request.containsKey(name)) {
                hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"")
                        .append(Json.html(request.get(name))).append("\">");
            }
        }
        return page("Sign in to GitHub", (error == null ? "" : "<p class=\"flash-error\">" + error + "</p>")
                + "<form id=\"login\" method=\"post\" action=\"/session\">" + hidden
                + "<label>Username or email address <input name=\"login\"></label>"
                + "<label>Password <input type=\"password\" name=\"password\"></label>"
                + "<input type=\"submit\" name=\"commit\" value=\"Sign in\"></form>");
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><h1>" + title + "</h1>" + body
                + "</body></html>";
    }

    private static Set<String> scopes(String requested) {
        if (requested == null || requested.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(requested.split("[ ,]+")).filter(scope -> !scope.isBlank())
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    /** GitHub takes {@code Authorization: Bearer <token>} and {@code Authorization: token <token>}. */
    private static Optional<String> bearer(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (String scheme : List.of("Bearer ", "token ")) {
            if (header.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return Optional.of(header.substring(scheme.length()).strip());
            }
        }
        return Optional.empty();
    }

    private static String secret(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

}
