package computepool.identity.events;

import com.google.protobuf.Timestamp;
import computepool.identity.domain.Developer;
import computepool.identity.v1.DeveloperCreated;
import computepool.identity.v1.DeveloperUpdated;
import java.time.Instant;

/** Maps developers to the events identity-svc publishes on the {@code identity} topic. */
public final class DeveloperEvents {

    private DeveloperEvents() {
    }

    public static DeveloperCreated created(Developer developer) {
        return DeveloperCreated.newBuilder()
                .setDeveloperId(developer.id().toString())
                .setKeycloakSubject(developer.subject())
                .setEmail(developer.email() == null ? "" : developer.email())
                .setDisplayName(developer.displayName())
                .setHandle(developer.handle().value())
                .setCreatedAt(timestamp(developer.createdAt()))
                .build();
    }

    public static DeveloperUpdated updated(Developer developer, Instant at) {
        return DeveloperUpdated.newBuilder()
                .setDeveloperId(developer.id().toString())
                .setDisplayName(developer.displayName())
                .setHandle(developer.handle().value())
                .setUpdatedAt(timestamp(at))
                .build();
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
