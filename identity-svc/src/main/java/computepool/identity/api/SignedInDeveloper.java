package computepool.identity.api;

import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.identity.domain.Developer;
import computepool.identity.domain.Handle;
import computepool.identity.events.DeveloperEvents;
import computepool.identity.store.DeveloperStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.RequestScoped;
import java.time.Clock;
import java.time.Instant;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The developer behind the request's Keycloak token. The first request of a subject, whichever API it calls, creates
 * the profile and announces it ({@code DeveloperCreated}) in the caller's transaction.
 */
@RequestScoped
public class SignedInDeveloper {

    private final JsonWebToken token;
    private final DeveloperStore developers;
    private final Outbox outbox;
    private final Clock clock;

    public SignedInDeveloper(JsonWebToken token, DeveloperStore developers, Outbox outbox, Clock clock) {
        this.token = token;
        this.developers = developers;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** The profile, created on first use; call inside a transaction. */
    public Uni<Developer> get() {
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
