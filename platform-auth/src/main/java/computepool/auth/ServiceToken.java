package computepool.auth;

import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.Tokens;
import io.smallrye.mutiny.Uni;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A service's own access token (its Keycloak client, named as the service, client-credentials grant), which it
 * presents on every call to the platform's internal gRPC services. One token serves every call until shortly before it
 * expires; then the next call fetches a new one, and calls arriving meanwhile wait for that same fetch.
 */
public class ServiceToken {

    /** Renewed this long before it expires, so no call sets out with a token that lapses on the way. */
    public static final Duration RENEW_BEFORE_EXPIRY = Duration.ofSeconds(30);

    private final OidcClient keycloak;
    private final Clock clock;
    private volatile Held held;
    private Uni<Held> fetching;

    public ServiceToken(OidcClient keycloak, Clock clock) {
        this.keycloak = keycloak;
        this.clock = clock;
    }

    public Uni<String> get() {
        Held current = held;
        if (current != null && clock.instant().isBefore(current.renewAt())) {
            return Uni.createFrom().item(current.token());
        }
        return fetch().map(Held::token);
    }

    private synchronized Uni<Held> fetch() {
        if (fetching == null) {
            fetching = keycloak.getTokens()
                    .map(this::held)
                    .invoke(fetched -> held = fetched)
                    .eventually(this::fetched)
                    .memoize().indefinitely();
        }
        return fetching;
    }

    private synchronized void fetched() {
        fetching = null;
    }

    private Held held(Tokens tokens) {
        Long expiresAt = tokens.getAccessTokenExpiresAt();
        // A token without an expiry (not Keycloak's way) is used for one call only.
        Instant renewAt = expiresAt == null ? Instant.MIN
                : Instant.ofEpochSecond(expiresAt).minus(RENEW_BEFORE_EXPIRY);
        return new Held(tokens.getAccessToken(), renewAt);
    }

    private record Held(String token, Instant renewAt) {
    }
}
