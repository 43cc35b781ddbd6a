package computepool.identity.store;

import computepool.identity.domain.Developer;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Developers by Keycloak subject; every write joins the caller's reactive transaction. */
@ApplicationScoped
public class DeveloperStore implements PanacheRepositoryBase<DeveloperRecord, UUID> {

    public Uni<Optional<Developer>> bySubject(String subject) {
        return find("subject", subject).firstResult()
                .map(row -> Optional.ofNullable(row).map(DeveloperRecord::toDomain));
    }

    public Uni<Boolean> handleTaken(String handle) {
        return count("handle", handle).map(n -> n > 0);
    }

    /** Inserts a new developer and flushes, so a broken constraint fails this call, inside the transaction. */
    public Uni<Developer> insert(Developer developer, Instant now) {
        return persistAndFlush(DeveloperRecord.from(developer, now)).map(DeveloperRecord::toDomain);
    }

    /** Writes a changed profile and flushes, so a taken handle fails here rather than at commit. */
    public Uni<Developer> update(Developer developer, Instant now) {
        return findById(developer.id())
                .onItem().ifNull().failWith(() -> new IllegalStateException("developer " + developer.id() + " vanished"))
                .call(row -> {
                    row.apply(developer, now);
                    return flush();
                })
                .map(DeveloperRecord::toDomain);
    }
}
