package computepool.identity.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** A developer: one per Keycloak subject, created on first login. */
public record Developer(UUID id, String subject, String email, String displayName, Handle handle, Instant createdAt) {

    public Developer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** The profile a first login creates from the token's claims. */
    public static Developer firstLogin(String subject, String username, String email, String name, Instant now) {
        String displayName = name == null || name.isBlank() ? username : name;
        return new Developer(UUID.randomUUID(), subject, email, displayName, Handle.suggestedFrom(username), now);
    }

    public Developer withProfile(String newDisplayName, Handle newHandle) {
        return new Developer(id, subject, email,
                newDisplayName == null ? displayName : newDisplayName,
                newHandle == null ? handle : newHandle,
                createdAt);
    }
}
