package computepool.billing.api;

import computepool.billing.domain.ModelPrice;
import computepool.billing.store.ModelPriceStore;
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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** Versioned per-model token prices: admins add versions, anyone signed in reads them. */
@Path("/v1/prices")
@Produces(MediaType.APPLICATION_JSON)
public class PriceResource {

    private final ModelPriceStore prices;
    private final Clock clock;

    public PriceResource(ModelPriceStore prices, Clock clock) {
        this.prices = prices;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The price version, added", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = ModelPrice.class)))
    @APIResponse(responseCode = "409", description = "The model already has a price version from that instant")
    @POST
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<Response> add(@NotNull(message = "a JSON body is required") @Valid NewPriceRequest body) {
        Instant now = clock.instant();
        ModelPrice price = new ModelPrice(body.modelId(), body.validFrom() == null ? now : body.validFrom(),
                body.promptNanoUsdPerMillionTokens(), body.completionNanoUsdPerMillionTokens());
        return prices.add(price, now)
                .onFailure(f -> UniqueViolation.on(f, "model_price_pkey"))
                .transform(f -> new ProblemException(Response.Status.CONFLICT, "validFrom",
                        "this model already has a price version from that instant"))
                .map(added -> Response.status(Response.Status.CREATED).entity(added).build());
    }

    @GET
    @Path("/{modelId}")
    @RolesAllowed("developer")
    @WithSession
    public Uni<ModelPrice> current(@PathParam("modelId") String modelId, @QueryParam("at") @Parameter(description = "the instant the price applies at; now when left out",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time")) String at) {
        Instant instant = Instants.at(at, clock);
        return prices.book(modelId).map(book -> book.validAt(instant).orElseThrow(() -> new ProblemException(
                Response.Status.NOT_FOUND, "model " + modelId + " has no price valid at " + instant)));
    }
}
