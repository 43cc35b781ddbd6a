package computepool.gateway.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * Who is asking: a developer, by API key or by a Keycloak access token.
 *
 * @param developerId the developer's identity-svc id for a key; the token's subject for a Keycloak login
 * @param apiKeyId    the key used; empty for a Keycloak login
 * @param limits      the key's limits per minute; empty for a Keycloak login, which has none of its own
 */
public record Caller(String developerId, Optional<String> apiKeyId, Optional<Limits> limits) {

    public Caller {
        Objects.requireNonNull(developerId, "developerId");
        Objects.requireNonNull(apiKeyId, "apiKeyId");
        Objects.requireNonNull(limits, "limits");
    }

    public record Limits(int requestsPerMinute, long tokensPerMinute) {
    }
}
