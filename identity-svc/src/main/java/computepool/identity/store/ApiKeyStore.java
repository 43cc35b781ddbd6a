package computepool.identity.store;

import computepool.identity.domain.ApiKey;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** API keys by id, owner and secret hash; every write joins the caller's reactive transaction. */
@ApplicationScoped
public class ApiKeyStore implements PanacheRepositoryBase<ApiKeyRecord, UUID> {

    public Uni<ApiKey> insert(ApiKey key, byte[] secretHash) {
        return persistAndFlush(ApiKeyRecord.from(key, secretHash)).map(ApiKeyRecord::toDomain);
    }

    /** A developer's keys, newest first, revoked and expired ones included. */
    public Uni<List<ApiKey>> ofDeveloper(UUID developerId) {
        return find("developerId", Sort.descending("createdAt").and("id"), developerId).list()
                .map(rows -> rows.stream().map(ApiKeyRecord::toDomain).toList());
    }

    /** The key, if it exists and belongs to the developer: another developer's key is as good as absent. */
    public Uni<Optional<ApiKey>> ofDeveloper(UUID developerId, UUID keyId) {
        return find("id = ?1 and developerId = ?2", keyId, developerId).firstResult()
                .map(row -> Optional.ofNullable(row).map(ApiKeyRecord::toDomain));
    }

    public Uni<Optional<ApiKey>> bySecretHash(byte[] secretHash) {
        return find("secretHash", secretHash).firstResult()
                .map(row -> Optional.ofNullable(row).map(ApiKeyRecord::toDomain));
    }

    /** Revokes the key unless it already is; the first revocation's time stands. */
    public Uni<ApiKey> revoke(UUID keyId, Instant at) {
        return findById(keyId)
                .onItem().ifNull().failWith(() -> new IllegalStateException("api key " + keyId + " vanished"))
                .call(row -> {
                    if (row.revokedAt == null) {
                        row.revokedAt = at;
                    }
                    return flush();
                })
                .map(ApiKeyRecord::toDomain);
    }

    /** Records a use, unless one at or after {@code notBefore} is already recorded. */
    public Uni<Void> touch(UUID keyId, Instant at, Instant notBefore) {
        return update("lastUsedAt = :at where id = :id and (lastUsedAt is null or lastUsedAt < :notBefore)",
                Parameters.with("at", at).and("id", keyId).and("notBefore", notBefore))
                .replaceWithVoid();
    }
}
