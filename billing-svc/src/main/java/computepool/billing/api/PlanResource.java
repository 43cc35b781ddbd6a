package computepool.billing.api;

import computepool.billing.domain.GpuPrice;
import computepool.billing.domain.GpuType;
import computepool.billing.domain.PlatformFee;
import computepool.billing.domain.PriceTier;
import computepool.billing.store.PlanStore;
import computepool.problems.ProblemException;
import computepool.problems.UniqueViolation;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The rest of the plans beside model prices: GPU-second prices by type and tier, and the platform's fee share. Admins
 * add versions; anyone signed in reads the version valid at an instant.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class PlanResource {

    private final PlanStore plans;
    private final Clock clock;

    public PlanResource(PlanStore plans, Clock clock) {
        this.plans = plans;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The price version, added", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = GpuPrice.class)))
    @APIResponse(responseCode = "409", description = "The GPU type and tier already have a price version from that instant")
    @POST
    @Path("/gpu-prices")
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<Response> addGpuPrice(@NotNull(message = "a JSON body is required") @Valid NewGpuPriceRequest body) {
        Instant now = clock.instant();
        GpuPrice price = new GpuPrice(gpuType(body.gpuType(), "gpuType"), tier(body.tier(), "tier"),
                body.validFrom() == null ? now : body.validFrom(), body.nanoUsdPerGpuSecond());
        return plans.addGpuPrice(price, now)
                .onFailure(f -> UniqueViolation.on(f, "gpu_price_pkey"))
                .transform(f -> new ProblemException(Response.Status.CONFLICT, "validFrom",
                        "this GPU type and tier already have a price version from that instant"))
                .map(added -> Response.status(Response.Status.CREATED).entity(added).build());
    }

    @GET
    @Path("/gpu-prices/{gpuType}/{tier}")
    @RolesAllowed("developer")
    @WithSession
    public Uni<GpuPrice> gpuPrice(@PathParam("gpuType") String gpuType, @PathParam("tier") String tier,
            @QueryParam("at") @Parameter(description = "the instant the price applies at; now when left out",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time")) String at) {
        GpuType type = gpuType(gpuType, "gpuType");
        PriceTier priceTier = tier(tier, "tier");
        Instant instant = Instants.at(at, clock);
        return plans.gpuPriceAt(type, priceTier, instant).map(found -> found.orElseThrow(() -> new ProblemException(
                Response.Status.NOT_FOUND, type + " " + priceTier + " has no price valid at " + instant)));
    }

    @APIResponse(responseCode = "201", description = "The fee version, added", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = PlatformFee.class)))
    @APIResponse(responseCode = "409", description = "A fee version from that instant exists")
    @POST
    @Path("/platform-fees")
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<Response> addPlatformFee(
            @NotNull(message = "a JSON body is required") @Valid NewPlatformFeeRequest body) {
        Instant now = clock.instant();
        return plans.addPlatformFee(new PlatformFee(body.validFrom() == null ? now : body.validFrom(),
                        body.basisPoints()), now)
                .onFailure(f -> UniqueViolation.on(f, "platform_fee_pkey"))
                .transform(f -> new ProblemException(Response.Status.CONFLICT, "validFrom",
                        "a platform fee version from that instant exists"))
                .map(added -> Response.status(Response.Status.CREATED).entity(added).build());
    }

    @GET
    @Path("/platform-fees")
    @RolesAllowed("developer")
    @WithSession
    public Uni<PlatformFee> platformFee(@QueryParam("at") @Parameter(description = "the instant the price applies at; now when left out",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time")) String at) {
        return plans.platformFeeAt(Instants.at(at, clock));
    }

    private static GpuType gpuType(String name, String field) {
        return parse(GpuType.class, name, field);
    }

    private static PriceTier tier(String name, String field) {
        return parse(PriceTier.class, name, field);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String name, String field) {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, field, "must be one of " + Arrays
                    .stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }
}
