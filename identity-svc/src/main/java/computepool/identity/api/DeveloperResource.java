package computepool.identity.api;

import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.identity.domain.Developer;
import computepool.identity.domain.Handle;
import computepool.identity.events.DeveloperEvents;
import computepool.identity.store.DeveloperStore;
import computepool.problems.UniqueViolation;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;

/**
 * The signed-in developer's own profile, created on the subject's first call (see {@link SignedInDeveloper}).
 */
@Path("/v1/developers/me")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class DeveloperResource {

    private final SignedInDeveloper signedIn;
    private final DeveloperStore developers;
    private final Outbox outbox;
    private final Clock clock;

    public DeveloperResource(SignedInDeveloper signedIn, DeveloperStore developers, Outbox outbox, Clock clock) {
        this.signedIn = signedIn;
        this.developers = developers;
        this.outbox = outbox;
        this.clock = clock;
    }

    @GET
    @WithTransaction
    public Uni<DeveloperView> me() {
        return current().map(DeveloperView::of);
    }

    @PATCH
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<DeveloperView> update(@NotNull(message = "a JSON body is required") @Valid UpdateProfileRequest body) {
        Instant now = clock.instant();
        return current()
                .map(developer -> developer.withProfile(body.displayName(),
                        body.handle() == null ? null : new Handle(body.handle())))
                // The event is appended before the row is written: if the write fails, the
                // rollback takes the event with it.
                .call(changed -> outbox.append(Topics.IDENTITY, changed.id().toString(), DeveloperEvents.updated(changed, now)))
                .chain(changed -> developers.update(changed, now))
                .onFailure(f -> UniqueViolation.on(f, "developer_handle_key"))
                .transform(f -> new ProblemException(Response.Status.CONFLICT, "handle", "is taken by another developer"))
                .map(DeveloperView::of);
    }

    private Uni<Developer> current() {
        return signedIn.get();
    }
}
