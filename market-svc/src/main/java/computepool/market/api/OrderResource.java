package computepool.market.api;

import static computepool.market.api.OrderRequests.answer;
import static computepool.market.api.OrderRequests.gpuModel;
import static computepool.market.api.OrderRequests.hour;
import static computepool.market.api.OrderRequests.hourNotOver;
import static computepool.market.api.OrderRequests.idempotencyKey;
import static computepool.market.api.OrderRequests.invalid;
import static computepool.market.api.OrderRequests.mapped;
import static computepool.market.api.OrderRequests.positive;
import static computepool.market.api.OrderRequests.required;

import computepool.market.funding.FundedBuys;
import computepool.market.orders.OrderBook;
import computepool.market.orders.OrderTerms;
import computepool.market.orders.OrderView;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Orders on the market's book: operators sell their nodes' GPU-hours, developers buy them, each buy only once its
 * most cost is held on the developer's funds ({@link FundedBuys}). Each placement carries an
 * {@code Idempotency-Key}: the same key with the same request answers the order as it stands (200), with another
 * request 409. Times are instants on whole hours (UTC); prices are integer nano-USD per GPU-hour. The owner is the
 * token's subject; another owner's order answers 404.
 */
@Path("/v1/orders")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OrderResource {

    /** A year of hours: longer reservations are not sold. */
    static final int MAX_HOURS = 24 * 366;
    /** An operator's offer of a node's cards for every hour of {@code [start, end)}. */
    public record SellRequest(@Schema(required = true) UUID nodeId,
            @Schema(required = true, enumeration = { "RTX_3090", "RTX_4090", "L40S", "A100_80GB", "H100_80GB",
                    "H200" }) String gpuModel,
            @Schema(required = true, minimum = "1") Integer gpuCount,
            @Schema(required = true, description = "a whole hour, not yet over") Instant start,
            @Schema(required = true, description = "a whole hour after start") Instant end,
            @Schema(required = true, minimum = "1") Long minPriceNanoUsdPerGpuHour) {
    }

    /**
     * A developer's order for cards for {@code durationHours} from {@code start}.
     *
     * @param timeInForce {@code standing} (the default: rests until {@code expiresAt}, by default its start) or
     *                    {@code immediate_or_cancel}
     * @param spot        a bid for spare capacity: immediate-or-cancel (its default), every GPU paid at the clearing
     *                    price (the dearest sell the fill needed), preempted when a higher bid needs its GPUs
     */
    public record BuyRequest(
            @Schema(required = true, enumeration = { "RTX_3090", "RTX_4090", "L40S", "A100_80GB", "H100_80GB",
                    "H200" }) String gpuModel,
            @Schema(required = true, minimum = "1") Integer gpuCount,
            @Schema(required = true, description = "a whole hour, not yet over") Instant start,
            @Schema(required = true, minimum = "1", maximum = "8784") Integer durationHours,
            @Schema(required = true, minimum = "1") Long limitPriceNanoUsdPerGpuHour,
            Boolean latencySensitive,
            @Schema(enumeration = { "standing", "immediate_or_cancel" }) String timeInForce,
            @Schema(description = "a whole hour; only for a standing buy") Instant expiresAt,
            Boolean spot) {
    }

    private final JsonWebToken token;
    private final OrderBook book;
    private final FundedBuys buys;

    public OrderResource(JsonWebToken token, OrderBook book, FundedBuys buys) {
        this.token = token;
        this.book = book;
        this.buys = buys;
    }

    @APIResponse(responseCode = "201", description = "The order, placed and matched", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = OrderView.class)))
    @APIResponse(responseCode = "200", description = "The order this Idempotency-Key placed before, as it stands", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = OrderView.class)))
    @APIResponse(responseCode = "409", description = "The Idempotency-Key was used before with other terms")
    @POST
    @Path("/sell")
    public RestResponse<OrderView> sell(@HeaderParam("Idempotency-Key") @Parameter(required = true,
            description = "a key of the caller's own, at most 200 characters: the same key places the order once")
            String idempotencyKey, SellRequest body) {
        String key = idempotencyKey(idempotencyKey);
        required(body, "body");
        long start = hourNotOver(book, body.start(), "start");
        long end = hour(body.end(), "end");
        if (end <= start) {
            throw invalid("end", "must be after start");
        }
        OrderTerms.Sell terms = new OrderTerms.Sell(required(body.nodeId(), "nodeId"), gpuModel(body.gpuModel()),
                positive(body.gpuCount(), "gpuCount"), start, end,
                positive(body.minPriceNanoUsdPerGpuHour(), "minPriceNanoUsdPerGpuHour"));
        return answer("/v1/orders/", () -> book.sell(token.getSubject(), key, terms));
    }

    @APIResponse(responseCode = "201", description = "The order, placed and matched", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = OrderView.class)))
    @APIResponse(responseCode = "200", description = "The order this Idempotency-Key placed before, as it stands", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = OrderView.class)))
    @APIResponse(responseCode = "409", description = "The Idempotency-Key was used before with other terms")
    @APIResponse(responseCode = "402", description = "The developer's funds do not cover the buy's most cost (limit "
            + "price x GPUs x hours): requiredNanoUsd and availableNanoUsd say by how much", content = @Content(
            mediaType = "application/problem+json", schema = @Schema(implementation = FundingProblems.Unfunded.class)))
    @APIResponse(responseCode = "503", description = "billing-svc could not be asked to hold the funds; nothing was "
            + "placed")
    @POST
    @Path("/buy")
    public RestResponse<OrderView> buy(@HeaderParam("Idempotency-Key") @Parameter(required = true,
            description = "a key of the caller's own, at most 200 characters: the same key places the order once")
            String idempotencyKey, BuyRequest body) {
        String key = idempotencyKey(idempotencyKey);
        required(body, "body");
        long start = hourNotOver(book, body.start(), "start");
        int hours = positive(body.durationHours(), "durationHours");
        if (hours > MAX_HOURS) {
            throw invalid("durationHours", "must be at most " + MAX_HOURS);
        }
        boolean spot = Boolean.TRUE.equals(body.spot());
        String timeInForce = body.timeInForce() != null ? body.timeInForce()
                : spot ? "immediate_or_cancel" : "standing";
        if (spot && !timeInForce.equals("immediate_or_cancel")) {
            throw invalid("timeInForce", "a spot bid is immediate_or_cancel: it takes spare capacity at once or "
                    + "nothing");
        }
        Optional<Long> expiresAt = switch (timeInForce) {
            case "standing" -> Optional.of(body.expiresAt() == null ? start : hour(body.expiresAt(), "expiresAt"));
            case "immediate_or_cancel" -> {
                if (body.expiresAt() != null) {
                    throw invalid("expiresAt", "an immediate_or_cancel buy does not rest, so it has no expiry");
                }
                yield Optional.empty();
            }
            default -> throw invalid("timeInForce", "must be standing or immediate_or_cancel");
        };
        OrderTerms.Buy terms = new OrderTerms.Buy(gpuModel(body.gpuModel()), positive(body.gpuCount(), "gpuCount"),
                start, hours, positive(body.limitPriceNanoUsdPerGpuHour(), "limitPriceNanoUsdPerGpuHour"),
                Boolean.TRUE.equals(body.latencySensitive()), expiresAt, spot);
        try {
            terms.mostCostNanoUsd();
        } catch (ArithmeticException e) {
            throw invalid("limitPriceNanoUsdPerGpuHour", "times gpuCount and durationHours, the most the buy can "
                    + "cost, must be at most " + Long.MAX_VALUE + " nano-USD");
        }
        return answer("/v1/orders/", () -> buys.buy(token.getSubject(), key, terms));
    }

    @GET
    @Path("/{id: [0-9a-fA-F-]{36}}")
    public OrderView get(@PathParam("id") UUID id) {
        return mapped(() -> book.get(token.getSubject(), id));
    }

    /** Takes the order out of the book: a sell's unsold hours, or a resting buy. */
    @APIResponse(responseCode = "409", description = "The order is no longer in the book")
    @DELETE
    @Path("/{id: [0-9a-fA-F-]{36}}")
    public OrderView cancel(@PathParam("id") UUID id) {
        return mapped(() -> book.cancel(token.getSubject(), id));
    }
}
