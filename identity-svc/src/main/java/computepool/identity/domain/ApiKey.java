package computepool.identity.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A developer's API key as stored: everything but the secret, of which only the prefix is kept.
 *
 * @param expiresAt  empty for a key that does not expire
 * @param revokedAt  empty while the key is not revoked
 * @param lastUsedAt when a gateway last verified it, to within the service's configured resolution
 */
public record ApiKey(UUID id, UUID developerId, String name, String prefix, List<ApiKeyScope> scopes,
        Instant createdAt, Optional<Instant> expiresAt, Optional<Instant> revokedAt, Optional<Instant> lastUsedAt) {

    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(developerId, "developerId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefix, "prefix");
        scopes = List.copyOf(scopes);
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(revokedAt, "revokedAt");
        Objects.requireNonNull(lastUsedAt, "lastUsedAt");
    }

    /** Where a key stands at {@code now}: revocation wins over expiry, as it is the developer's own act. */
    public ApiKeyState state(Instant now) {
        if (revokedAt.isPresent()) {
            return ApiKeyState.REVOKED;
        }
        if (expiresAt.isPresent() && !now.isBefore(expiresAt.get())) {
            return ApiKeyState.EXPIRED;
        }
        return ApiKeyState.ACTIVE;
    }
}
