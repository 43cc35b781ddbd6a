package computepool.market.api;

import computepool.market.domain.GpuModel;
import computepool.market.matching.OrderRejected;
import computepool.market.orders.BookUnavailable;
import computepool.market.orders.IdempotencyKeyReused;
import computepool.market.orders.OrderBook;
import computepool.market.orders.OrderNotFound;
import computepool.market.orders.OrderRefused;
import computepool.market.orders.OrderView;
import computepool.problems.ProblemException;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.resteasy.reactive.RestResponse;

/** How the order and reservation APIs read their requests and answer the book's refusals, as problem+json. */
final class OrderRequests {

    private static final int MAX_IDEMPOTENCY_KEY = 200;
    /** The engine's field names, as the API names them. */
    private static final Map<String, String> API_FIELDS = Map.of(
            "startHour", "start",
            "endHour", "end",
            "hours", "durationHours",
            "timeInForce.expiresAtHour", "expiresAt",
            "node", "nodeId");

    private OrderRequests() {
    }

    static RestResponse<OrderView> answer(String location, Supplier<OrderBook.Placed> placement) {
        OrderBook.Placed placed = mapped(placement);
        return placed.created()
                ? RestResponse.ResponseBuilder.<OrderView>created(URI.create(location + placed.order().id()))
                        .entity(placed.order()).build()
                : RestResponse.ok(placed.order());
    }

    static <T> T mapped(Supplier<T> call) {
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

    /** A whole hour not over yet: the hour under way may be traded (and is paid whole), earlier ones may not. */
    static long hourNotOver(OrderBook book, Instant at, String field) {
        long hour = hour(at, field);
        if (hour < book.currentHour()) {
            throw invalid(field, "must be a whole hour that is not over yet; the market sells hours from "
                    + Instant.ofEpochSecond(book.currentHour() * 3600) + " on");
        }
        return hour;
    }

    static long hour(Instant at, String field) {
        if (at == null) {
            throw invalid(field, "is required");
        }
        if (at.getNano() != 0 || at.getEpochSecond() % 3600 != 0 || at.getEpochSecond() < 0) {
            throw invalid(field, "must be a whole hour, like 2026-12-01T10:00:00Z");
        }
        return at.getEpochSecond() / 3600;
    }

    static String idempotencyKey(String key) {
        if (key == null || key.isBlank()) {
            throw invalid("Idempotency-Key", "the header is required: a key of your own, one per order");
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY) {
            throw invalid("Idempotency-Key", "must be at most " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        return key;
    }

    /** A whole number given as text (a query parameter): anything else is a 400 naming {@code field}. */
    static Integer wholeNumber(String text, String field) {
        try {
            return Integer.valueOf(text);
        } catch (NumberFormatException e) {
            throw invalid(field, "must be a whole number");
        }
    }

    static GpuModel gpuModel(String name) {
        if (name == null) {
            throw invalid("gpuModel", "is required");
        }
        return GpuModel.named(name).orElseThrow(() -> invalid("gpuModel", GpuModel.MUST_BE_KNOWN));
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw invalid(field, "is required");
        }
        return value;
    }

    static int positive(Integer value, String field) {
        if (required(value, field) < 1) {
            throw invalid(field, "must be at least 1");
        }
        return value;
    }

    static long positive(Long value, String field) {
        if (required(value, field) < 1) {
            throw invalid(field, "must be at least 1");
        }
        return value;
    }

    static ProblemException invalid(String field, String reason) {
        return new ProblemException(Response.Status.BAD_REQUEST, field, reason);
    }
}
