package computepool.identity.store;

import computepool.identity.domain.Developer;
import computepool.identity.domain.Handle;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** The row of one developer. */
@Entity
@Table(name = "developer")
public class DeveloperRecord {

    @Id
    public UUID id;

    @Column(nullable = false, updatable = false)
    public String subject;

    public String email;

    @Column(name = "display_name", nullable = false)
    public String displayName;

    @Column(nullable = false)
    public String handle;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    static DeveloperRecord from(Developer developer, Instant now) {
        DeveloperRecord row = new DeveloperRecord();
        row.id = developer.id();
        row.subject = developer.subject();
        row.email = developer.email();
        row.createdAt = developer.createdAt();
        row.apply(developer, now);
        return row;
    }

    void apply(Developer developer, Instant now) {
        displayName = developer.displayName();
        handle = developer.handle().value();
        updatedAt = now;
    }

    Developer toDomain() {
        return new Developer(id, subject, email, displayName, new Handle(handle), createdAt);
    }
}
