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
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The signed-in developer's own profile. The first call of a Keycloak subject creates the profile
 * and announces it ({@code DeveloperCreated}) in the same transaction.
 */
@Path("/v1/developers/me")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class DeveloperResource {

    private final JsonWebToken token;
    private final DeveloperStore developers;
    private final Outbox outbox;
    private final Clock clock;

    public DeveloperResource(JsonWebToken token, DeveloperStore developers, Outbox outbox, Clock clock) {
        this.token = token;
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
        String subject = token.getSubject();
        return developers.bySubject(subject).chain(found -> found
                .map(developer -> Uni.createFrom().item(developer))
                .orElseGet(() -> create(subject)));
    }

    private Uni<Developer> create(String subject) {
        Instant now = clock.instant();
        Developer fresh = Developer.firstLogin(subject, token.getClaim("preferred_username"),
                token.getClaim("email"), token.getClaim("name"), now);
        return developers.handleTaken(fresh.handle().value())
                .map(taken -> taken ? fresh.withProfile(null, Handle.suggestedFrom(
                        trimmed(fresh.handle().value()) + "-" + fresh.id().toString().substring(0, 8))) : fresh)
                .chain(developer -> developers.insert(developer, now))
                .call(created -> outbox.append(Topics.IDENTITY, created.id().toString(), DeveloperEvents.created(created)));
    }

    private static String trimmed(String handle) {
        return handle.length() > 30 ? handle.substring(0, 30) : handle;
    }
}
