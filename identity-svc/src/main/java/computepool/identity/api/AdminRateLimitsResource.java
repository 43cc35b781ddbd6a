package computepool.identity.api;

import computepool.identity.config.IdentityConfig;
import computepool.identity.store.DeveloperStore;
import computepool.identity.store.RateLimitsStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.UUID;

/**
 * Administrators' view of a developer's rate limits, which every key of the developer carries to the gateways. A
 * change reaches a gateway when it next verifies the key (within its verification cache's lifetime).
 */
@Path("/v1/admin/developers/{developerId}/rate-limits")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminRateLimitsResource {

    private final DeveloperStore developers;
    private final RateLimitsStore limits;
    private final IdentityConfig config;
    private final Clock clock;

    public AdminRateLimitsResource(DeveloperStore developers, RateLimitsStore limits, IdentityConfig config,
            Clock clock) {
        this.developers = developers;
        this.limits = limits;
        this.config = config;
        this.clock = clock;
    }

    @GET
    @WithTransaction
    public Uni<RateLimitsBody> get(@PathParam("developerId") String developerId) {
        UUID id = developerId(developerId);
        return requireDeveloper(id)
                .chain(() -> limits.ofDeveloper(id))
                .map(set -> set.map(found -> RateLimitsBody.of(found, false))
                        .orElseGet(() -> RateLimitsBody.of(config.defaultRateLimits().toDomain(), true)));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<RateLimitsBody> set(@PathParam("developerId") String developerId,
            @NotNull(message = "a JSON body is required") @Valid RateLimitsBody body) {
        UUID id = developerId(developerId);
        return requireDeveloper(id)
                .chain(() -> limits.set(id, body.toDomain(), clock.instant()))
                .map(set -> RateLimitsBody.of(set, false));
    }

    private Uni<Void> requireDeveloper(UUID id) {
        return developers.findById(id)
                .onItem().ifNull().failWith(() -> noSuchDeveloper(id.toString()))
                .replaceWithVoid();
    }

    private static UUID developerId(String developerId) {
        try {
            return UUID.fromString(developerId);
        } catch (IllegalArgumentException e) {
            throw noSuchDeveloper(developerId);
        }
    }

    private static ProblemException noSuchDeveloper(String id) {
        return new ProblemException(Response.Status.NOT_FOUND, "no developer " + id);
    }
}
