package computepool.identity.store;

import computepool.identity.domain.ApiKey;
import computepool.identity.domain.ApiKeyScope;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The row of one API key: its hash, never its secret. */
@Entity
@Table(name = "api_key")
public class ApiKeyRecord {

    @Id
    public UUID id;

    @Column(name = "developer_id", nullable = false, updatable = false)
    public UUID developerId;

    @Column(nullable = false, updatable = false)
    public String name;

    @Column(nullable = false, updatable = false)
    public String prefix;

    @Column(name = "secret_hash", nullable = false, updatable = false)
    public byte[] secretHash;

    @Column(nullable = false, updatable = false)
    public String scopes;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    @Column(name = "expires_at", updatable = false)
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    static ApiKeyRecord from(ApiKey key, byte[] secretHash) {
        ApiKeyRecord row = new ApiKeyRecord();
        row.id = key.id();
        row.developerId = key.developerId();
        row.name = key.name();
        row.prefix = key.prefix();
        row.secretHash = secretHash;
        row.scopes = String.join(" ", key.scopes().stream().map(ApiKeyScope::wireName).toList());
        row.createdAt = key.createdAt();
        row.expiresAt = key.expiresAt().orElse(null);
        row.revokedAt = key.revokedAt().orElse(null);
        row.lastUsedAt = key.lastUsedAt().orElse(null);
        return row;
    }

    ApiKey toDomain() {
        List<ApiKeyScope> scopeList = Arrays.stream(scopes.split(" "))
                .map(name -> ApiKeyScope.fromWireName(name).orElseThrow(
                        () -> new IllegalStateException("api_key " + id + " holds unknown scope " + name)))
                .toList();
        return new ApiKey(id, developerId, name, prefix, scopeList, createdAt, Optional.ofNullable(expiresAt),
                Optional.ofNullable(revokedAt), Optional.ofNullable(lastUsedAt));
    }
}
