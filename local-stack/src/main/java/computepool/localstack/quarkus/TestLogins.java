package computepool.localstack.quarkus;

import computepool.localstack.KeycloakTokens;
import computepool.localstack.LocalStack;
import computepool.localstack.LocalStackEnv;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens of the realm's test users from the stack's real Keycloak (password grant through
 * the confidential API client), for tests that call a service as a signed-in user; and services' own tokens, for
 * tests that call internal gRPC as a service.
 */
public final class TestLogins {

    /** Well inside Keycloak's default five-minute access-token lifespan. */
    private static final Duration REUSE = Duration.ofSeconds(60);
    private static final Map<String, Token> CACHE = new ConcurrentHashMap<>();
    /**
     * One sign-in per user at a time: the realm's brute-force protection takes password grants of one user arriving
     * together for an attack and disables the user for a while, failing every test that signs in as it meanwhile.
     */
    private static final Map<String, Object> SIGNING_IN = new ConcurrentHashMap<>();

    private record Token(String value, Instant obtained) {
    }

    private TestLogins() {
    }

    /** A token of the test developer (realm role {@code developer}). */
    public static String developer() {
        LocalStackEnv env = env();
        return login(env, env.require(LocalStackEnv.TEST_DEVELOPER_USERNAME), env.require(LocalStackEnv.TEST_DEVELOPER_PASSWORD));
    }

    /** A token of the test admin (realm roles {@code admin} and {@code developer}). */
    public static String admin() {
        LocalStackEnv env = env();
        return login(env, env.require(LocalStackEnv.TEST_ADMIN_USERNAME), env.require(LocalStackEnv.TEST_ADMIN_PASSWORD));
    }

    /** A fresh token for any user of the realm. */
    public static String login(LocalStackEnv env, String username, String password) {
        synchronized (SIGNING_IN.computeIfAbsent(username, name -> new Object())) {
            Token cached = CACHE.get(username);
            if (cached != null && cached.obtained().plus(REUSE).isAfter(Instant.now())) {
                return cached.value();
            }
            String token = KeycloakTokens.forEnv(env).passwordGrant(username, password);
            CACHE.put(username, new Token(token, Instant.now()));
            return token;
        }
    }

    /** A service's own token (client-credentials grant of its Keycloak client), for calls to internal gRPC. */
    public static String service(String service) {
        LocalStackEnv env = env();
        String key = "service:" + service;
        synchronized (SIGNING_IN.computeIfAbsent(key, name -> new Object())) {
            Token cached = CACHE.get(key);
            if (cached != null && cached.obtained().plus(REUSE).isAfter(Instant.now())) {
                return cached.value();
            }
            String token = KeycloakTokens.forService(env, service).clientCredentialsGrant();
            CACHE.put(key, new Token(token, Instant.now()));
            return token;
        }
    }

    /** The running stack's addresses and credentials (started in this JVM when no stack is running). */
    public static LocalStackEnv env() {
        return LocalStackEnv.locate().map(LocalStackEnv::read)
                .orElseGet(() -> LocalStack.startInProcess(LocalStackTestResource.IN_PROCESS_HOME.toAbsolutePath()));
    }
}
