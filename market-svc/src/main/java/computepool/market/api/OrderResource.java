package computepool.market.api;

import computepool.market.domain.GpuModel;
import computepool.market.matching.OrderRejected;
import computepool.market.orders.BookUnavailable;
import computepool.market.orders.IdempotencyKeyReused;
import computepool.market.orders.OrderBook;
import computepool.market.orders.OrderNotFound;
import computepool.market.orders.OrderRefused;
import computepool.market.orders.OrderTerms;
import computepool.market.orders.OrderView;
import computepool.problems.ProblemException;
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
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
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

    private static final int MAX_IDEMPOTENCY_KEY = 200;
    /** A year of hours: longer reservations are not sold. */
    private static final int MAX_HOURS = 24 * 366;
    /** The engine's field names, as the API names them. */
    private static final Map<String, String> API_FIELDS = Map.of(
            "startHour", "start",
            "endHour", "end",
            "hours", "durationHours",
            "timeInForce.expiresAtHour", "expiresAt",
            "node", "nodeId");

    /** An operator's offer of a node's cards for every hour of {@code [start, end)}. */
    public record SellRequest(UUID nodeId, String gpuModel, Integer gpuCount, Instant start, Instant end,
            Long minPriceNanoUsdPerGpuHour) {
    }

    /**
     * A developer's order for cards for {@code durationHours} from {@code start}.
     *
     * @param timeInForce {@code standing} (the default: rests until {@code expiresAt}, by default its start) or
     *                    {@code immediate_or_cancel}
     */
    public record BuyRequest(String gpuModel, Integer gpuCount, Instant start, Integer durationHours,
            Long limitPriceNanoUsdPerGpuHour, Boolean latencySensitive, String timeInForce, Instant expiresAt) {
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
        long start = futureHour(body.start(), "start");
        long end = hour(body.end(), "end");
        if (end <= start) {
            throw invalid("end", "must be after start");
        }
        OrderTerms.Sell terms = new OrderTerms.Sell(required(body.nodeId(), "nodeId"), gpuModel(body.gpuModel()),
                positive(body.gpuCount(), "gpuCount"), start, end,
                positive(body.minPriceNanoUsdPerGpuHour(), "minPriceNanoUsdPerGpuHour"));
        return answer(() -> book.sell(token.getSubject(), key, terms));
    }

    @POST
    @Path("/buy")
    public RestResponse<OrderView> buy(@HeaderParam("Idempotency-Key") String idempotencyKey, BuyRequest body) {
        String key = idempotencyKey(idempotencyKey);
        required(body, "body");
        long start = futureHour(body.start(), "start");
        int hours = positive(body.durationHours(), "durationHours");
        if (hours > MAX_HOURS) {
            throw invalid("durationHours", "must be at most " + MAX_HOURS);
        }
        String timeInForce = body.timeInForce() == null ? "standing" : body.timeInForce();
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
                Boolean.TRUE.equals(body.latencySensitive()), expiresAt);
        return answer(() -> book.buy(token.getSubject(), key, terms));
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

    private RestResponse<OrderView> answer(Supplier<OrderBook.Placed> placement) {
        OrderBook.Placed placed = mapped(placement);
        return placed.created()
                ? RestResponse.ResponseBuilder.<OrderView>created(URI.create("/v1/orders/" + placed.order().id()))
                        .entity(placed.order()).build()
                : RestResponse.ok(placed.order());
    }

    private static <T> T mapped(Supplier<T> call) {
        try {
            return call.get();
        } catch (OrderRejected e) {
            throw invalid(API_FIELDS.getOrDefault(e.field(), e.field()), e.reason());
        } catch (OrderNotFound e) {
            throw new ProblemException(Response.Status.NOT_FOUND, e.getMessage());
        } catch (OrderRefused e) {
            throw new ProblemException(Response.Status.CONFLICT, e.field(), e.getMessage());
        } catch (IdempotencyKeyReused e) {
            throw new ProblemException(Response.Status.CONFLICT, "Idempotency-Key", e.getMessage());
        } catch (BookUnavailable e) {
            throw new ProblemException(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private long futureHour(Instant at, String field) {
        long hour = hour(at, field);
        if (hour <= book.currentHour()) {
            throw invalid(field, "must be a whole hour that has not begun yet; the market sells hours from "
                    + Instant.ofEpochSecond((book.currentHour() + 1) * 3600) + " on");
        }
        return hour;
    }

    private static long hour(Instant at, String field) {
        if (at == null) {
            throw invalid(field, "is required");
        }
        if (at.getNano() != 0 || at.getEpochSecond() % 3600 != 0 || at.getEpochSecond() < 0) {
            throw invalid(field, "must be a whole hour, like 2026-12-01T10:00:00Z");
        }
        return at.getEpochSecond() / 3600;
    }

    private static String idempotencyKey(String key) {
        if (key == null || key.isBlank()) {
            throw invalid("Idempotency-Key", "the header is required: a key of your own, one per order");
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY) {
            throw invalid("Idempotency-Key", "must be at most " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        return key;
    }

    private static GpuModel gpuModel(String name) {
        if (name == null) {
            throw invalid("gpuModel", "is required");
        }
        return GpuModel.named(name).orElseThrow(() -> invalid("gpuModel", GpuModel.MUST_BE_KNOWN));
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw invalid(field, "is required");
        }
        return value;
    }

    private static int positive(Integer value, String field) {
        if (required(value, field) < 1) {
            throw invalid(field, "must be at least 1");
        }
        return value;
    }

    private static long positive(Long value, String field) {
        if (required(value, field) < 1) {
            throw invalid(field, "must be at least 1");
        }
        return value;
    }

    private static ProblemException invalid(String field, String reason) {
        return new ProblemException(Response.Status.BAD_REQUEST, field, reason);
    }
}
