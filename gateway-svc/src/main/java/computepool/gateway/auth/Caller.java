package computepool.gateway.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * Who is asking: a developer, by API key or by a Keycloak access token.
 *
 * @param developerId     the developer's identity-svc id; known for a key, empty for a Keycloak login
 * @param keycloakSubject the token's subject for a Keycloak login; empty for a key
 * @param apiKeyId        the key used; empty for a Keycloak login
 * @param limits          the key's limits per minute; empty for a Keycloak login, which has none of its own
 */
public record Caller(Optional<String> developerId, Optional<String> keycloakSubject, Optional<String> apiKeyId,
        Optional<Limits> limits) {

    public Caller {
        Objects.requireNonNull(developerId, "developerId");
        Objects.requireNonNull(keycloakSubject, "keycloakSubject");
        Objects.requireNonNull(apiKeyId, "apiKeyId");
        Objects.requireNonNull(limits, "limits");
        if (developerId.isEmpty() == keycloakSubject.isEmpty()) {
            throw new IllegalArgumentException("a caller is known by exactly one of developer id and subject");
        }
    }

    public static Caller byKey(String developerId, String apiKeyId, Limits limits) {
        return new Caller(Optional.of(developerId), Optional.empty(), Optional.of(apiKeyId), Optional.of(limits));
    }

    public static Caller byToken(String keycloakSubject) {
        return new Caller(Optional.empty(), Optional.of(keycloakSubject), Optional.empty(), Optional.empty());
    }

    /** The developer id or, for a Keycloak login, the subject: what usage is keyed by. */
    public String accountKey() {
        return developerId.orElseGet(keycloakSubject::orElseThrow);
    }

    /** Requests and tokens (prompt plus completion) per minute, per key. */
    public record Limits(int requestsPerMinute, long tokensPerMinute) {
    }
}
