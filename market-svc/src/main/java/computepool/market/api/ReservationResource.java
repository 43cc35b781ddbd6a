package computepool.market.api;

import static computepool.market.api.OrderRequests.answer;
import static computepool.market.api.OrderRequests.hour;
import static computepool.market.api.OrderRequests.idempotencyKey;
import static computepool.market.api.OrderRequests.invalid;
import static computepool.market.api.OrderRequests.mapped;
import static computepool.market.api.OrderRequests.positive;
import static computepool.market.api.OrderRequests.required;
import static computepool.market.api.OrderRequests.wholeNumber;

import computepool.market.orders.OrderBook;
import computepool.market.orders.OrderTerms;
import computepool.market.orders.OrderView;
import computepool.market.orders.ReservationView;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * What a developer's filled buys hold. A reservation's hours that have not begun may be given up, refunded at the
 * prices they were bought at, or resold: offered to other buyers as a sell of the holder's, whose buyers pay the
 * holder. The holder is the token's subject; another's reservation answers 404.
 */
@Path("/v1/reservations")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ReservationResource {

    private static final int MAX_LISTED = 100;

    /** An offer of {@code gpuCount} of the reservation's GPUs for each hour of {@code [start, end)}. */
    public record ResaleRequest(@Schema(required = true, minimum = "1") Integer gpuCount,
            @Schema(required = true) Instant start, @Schema(required = true) Instant end,
            @Schema(required = true, minimum = "1") Long minPriceNanoUsdPerGpuHour) {
    }

    private final JsonWebToken token;
    private final OrderBook book;

    public ReservationResource(JsonWebToken token, OrderBook book) {
        this.token = token;
        this.book = book;
    }

    /** The caller's reservations, latest start first (at most 100). */
    @GET
    public List<ReservationView> list(
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "100")) String limit) {
        // Read here rather than by JAX-RS, which answers a parameter it cannot convert with 404.
        int listed = limit == null ? MAX_LISTED : positive(wholeNumber(limit, "limit"), "limit");
        if (listed > MAX_LISTED) {
            throw invalid("limit", "must be at most " + MAX_LISTED);
        }
        return book.reservations(token.getSubject(), listed);
    }

    @GET
    @Path("/{id}")
    public ReservationView get(@PathParam("id") UUID id) {
        return mapped(() -> book.reservation(token.getSubject(), id));
    }

    /**
     * Gives up the hours that have not begun (the hour under way is kept): refunded at the prices they were bought
     * at, their GPUs offered again. Its resale, if any, is withdrawn with them; hours already resold are another
     * buyer's, so a reservation with some of those ahead answers 409.
     */
    @APIResponse(responseCode = "409", description = "No hours are left to give up, or some ahead were resold")
    @DELETE
    @Path("/{id}")
    public ReservationView cancel(@PathParam("id") UUID id) {
        return mapped(() -> book.cancelReservation(token.getSubject(), id));
    }

    /** Offers hours of the reservation that have not begun to other buyers; one resale at a time. */
    @APIResponse(responseCode = "201", description = "The sell order offering the hours", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = OrderView.class)))
    @APIResponse(responseCode = "200", description = "The sell order this Idempotency-Key placed before", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = OrderView.class)))
    @APIResponse(responseCode = "409", description = "The Idempotency-Key was used before with other terms, or the hours are not the caller's to sell")
    @POST
    @Path("/{id}/resale")
    public RestResponse<OrderView> resell(@PathParam("id") UUID id,
            @HeaderParam("Idempotency-Key") @Parameter(required = true,
                    description = "a key of the caller's own, at most 200 characters: the same key sells once")
            String idempotencyKey, ResaleRequest body) {
        String key = idempotencyKey(idempotencyKey);
        required(body, "body");
        long start = hour(body.start(), "start");
        long end = hour(body.end(), "end");
        if (end <= start) {
            throw invalid("end", "must be after start");
        }
        OrderTerms.Resale terms = new OrderTerms.Resale(id, positive(body.gpuCount(), "gpuCount"), start, end,
                positive(body.minPriceNanoUsdPerGpuHour(), "minPriceNanoUsdPerGpuHour"));
        return answer("/v1/orders/", () -> book.resell(token.getSubject(), key, terms));
    }
}
