package computepool.identity.api;

import computepool.identity.domain.ApiKey;
import computepool.identity.domain.ApiKeyScope;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An API key as listings show it: never its secret, only the prefix to recognise it by.
 *
 * @param state {@code active}, {@code revoked} or {@code expired}
 */
public record ApiKeyView(UUID id, String name, String prefix, List<String> scopes,
        @Schema(enumeration = { "active", "revoked", "expired" }) String state, Instant createdAt,
        @Schema(nullable = true) Instant expiresAt, @Schema(nullable = true) Instant lastUsedAt,
        @Schema(nullable = true) Instant revokedAt) {

    static ApiKeyView of(ApiKey key, Instant now) {
        return new ApiKeyView(key.id(), key.name(), key.prefix(),
                key.scopes().stream().map(ApiKeyScope::wireName).toList(),
                key.state(now).name().toLowerCase(Locale.ROOT), key.createdAt(), key.expiresAt().orElse(null),
                key.lastUsedAt().orElse(null), key.revokedAt().orElse(null));
    }
}
