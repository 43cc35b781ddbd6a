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

/**
 * Orders on the market's book: operators sell their nodes' GPU-hours, developers buy them. Each placement carries an
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
    public record SellRequest(UUID nodeId, String gpuModel, Integer gpuCount, Instant start, Instant end,
            Long minPriceNanoUsdPerGpuHour) {
    }

    /**
     * A developer's order for cards for {@code durationHours} from {@code start}.
     *
     * @param timeInForce {@code standing} (the default: rests until {@code expiresAt}, by default its start) or
     *                    {@code immediate_or_cancel}
     * @param spot        a bid for spare capacity: immediate-or-cancel (its default), every GPU paid at the clearing
     *                    price (the dearest sell the fill needed), preempted when a higher bid needs its GPUs
     */
    public record BuyRequest(String gpuModel, Integer gpuCount, Instant start, Integer durationHours,
            Long limitPriceNanoUsdPerGpuHour, Boolean latencySensitive, String timeInForce, Instant expiresAt,
            Boolean spot) {
    }

    private final JsonWebToken token;
    private final OrderBook book;

    public OrderResource(JsonWebToken token, OrderBook book) {
        this.token = token;
        this.book = book;
    }

    @POST
    @Path("/sell")
    public RestResponse<OrderView> sell(@HeaderParam("Idempotency-Key") String idempotencyKey, SellRequest body) {
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

    @POST
    @Path("/buy")
    public RestResponse<OrderView> buy(@HeaderParam("Idempotency-Key") String idempotencyKey, BuyRequest body) {
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
        return answer("/v1/orders/", () -> book.buy(token.getSubject(), key, terms));
    }

    @GET
    @Path("/{id}")
    public OrderView get(@PathParam("id") UUID id) {
        return mapped(() -> book.get(token.getSubject(), id));
    }

    /** Takes the order out of the book: a sell's unsold hours, or a resting buy. */
    @DELETE
    @Path("/{id}")
    public OrderView cancel(@PathParam("id") UUID id) {
        return mapped(() -> book.cancel(token.getSubject(), id));
    }
}
