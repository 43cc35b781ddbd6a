package computepool.identity.api;

import computepool.identity.domain.Developer;
import java.time.Instant;
import java.util.UUID;

/** A developer's profile as the REST API shows it. */
public record DeveloperView(UUID id, String email, String displayName, String handle, Instant createdAt) {

    static DeveloperView of(Developer developer) {
        return new DeveloperView(developer.id(), developer.email(), developer.displayName(),
                developer.handle().value(), developer.createdAt());
    }
}
