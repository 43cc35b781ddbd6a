package computepool.sandbox.api;

import computepool.problems.ProblemException;
import computepool.sandbox.domain.IllegalTransition;
import computepool.sandbox.domain.Sandbox;
import computepool.sandbox.domain.SandboxLimits;
import computepool.sandbox.domain.SandboxRuntime;
import computepool.sandbox.store.SandboxStore;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The signed-in developer's sandboxes. A sandbox belongs to the token's subject; anyone else's
 * answers 404 as if it did not exist.
 */
@Path("/v1/sandboxes")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class SandboxResource {

    private final JsonWebToken token;
    private final SandboxStore sandboxes;
    private final Clock clock;

    public SandboxResource(JsonWebToken token, SandboxStore sandboxes, Clock clock) {
        this.token = token;
        this.sandboxes = sandboxes;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The sandbox, created", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = SandboxView.class)))
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<RestResponse<SandboxView>> create(@NotNull(message = "a JSON body is required") @Valid CreateSandboxRequest body) {
        SandboxRuntime runtime = SandboxRuntime.named(body.runtime())
                .orElseThrow(() -> new ProblemException(Response.Status.BAD_REQUEST, "runtime", SandboxRuntime.MUST_BE_KNOWN));
        Sandbox sandbox = Sandbox.requested(token.getSubject(), runtime,
                new SandboxLimits(body.cpuMillis(), body.memoryMb(), body.timeoutSeconds()), clock.instant());
        return sandboxes.insert(sandbox)
                .map(stored -> RestResponse.ResponseBuilder.<SandboxView>created(URI.create("/v1/sandboxes/" + stored.id()))
                        .entity(SandboxView.of(stored))
                        .build());
    }

    @GET
    @Path("/{id}")
    @WithSession
    public Uni<SandboxView> get(@PathParam("id") UUID id) {
        return sandboxes.ofOwner(id, token.getSubject())
                .map(found -> SandboxView.of(found.orElseThrow(() -> notFound(id))));
    }

    /** Stops the sandbox. Stopping a stopped sandbox answers it unchanged; a FAILED one is a conflict. */
    @DELETE
    @Path("/{id}")
    @WithTransaction
    public Uni<SandboxView> stop(@PathParam("id") UUID id) {
        return sandboxes.ofOwnerForUpdate(id, token.getSubject())
                .map(found -> found.orElseThrow(() -> notFound(id)))
                .map(sandbox -> {
                    try {
                        return sandbox.stopped(clock.instant());
                    } catch (IllegalTransition e) {
                        throw new ProblemException(Response.Status.CONFLICT,
                                "the sandbox is " + e.from() + " and can no longer be stopped");
                    }
                })
                .call(sandboxes::update)
                .map(SandboxView::of);
    }

    private static ProblemException notFound(UUID id) {
        return new ProblemException(Response.Status.NOT_FOUND, "no sandbox " + id);
    }
}
