package computepool.sandbox.store;

import computepool.sandbox.domain.Sandbox;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.Optional;
import java.util.UUID;

/** Sandboxes by owner; every write joins the caller's reactive transaction. */
@ApplicationScoped
public class SandboxStore implements PanacheRepositoryBase<SandboxRecord, UUID> {

    /** Inserts a new sandbox and flushes, so a broken constraint fails this call, inside the transaction. */
    public Uni<Sandbox> insert(Sandbox sandbox) {
        return persistAndFlush(SandboxRecord.from(sandbox)).map(SandboxRecord::toDomain);
    }

    /** One sandbox, only if the owner owns it. */
    public Uni<Optional<Sandbox>> ofOwner(UUID id, String ownerId) {
        return find("id = ?1 and ownerId = ?2", id, ownerId).firstResult()
                .map(row -> Optional.ofNullable(row).map(SandboxRecord::toDomain));
    }

    /**
     * One sandbox of the owner, its row locked until the transaction ends, so two transitions of
     * one sandbox run one after the other and the second sees the first one's state.
     */
    public Uni<Optional<Sandbox>> ofOwnerForUpdate(UUID id, String ownerId) {
        return find("id = ?1 and ownerId = ?2", id, ownerId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                .map(row -> Optional.ofNullable(row).map(SandboxRecord::toDomain));
    }

    /** Writes the sandbox's new state and flushes. */
    public Uni<Sandbox> update(Sandbox sandbox) {
        return findById(sandbox.id())
                .onItem().ifNull().failWith(() -> new IllegalStateException("sandbox " + sandbox.id() + " vanished"))
                .call(row -> {
                    row.apply(sandbox);
                    return flush();
                })
                .map(SandboxRecord::toDomain);
    }
}
