package computepool.market.api;

import static computepool.market.api.OrderRequests.gpuModel;
import static computepool.market.api.OrderRequests.hour;
import static computepool.market.api.OrderRequests.hourNotOver;
import static computepool.market.api.OrderRequests.invalid;
import static computepool.market.api.OrderRequests.wholeNumber;
import static computepool.market.api.OrderRequests.positive;
import static computepool.market.orders.OrderBook.hourStart;

import computepool.market.domain.GpuModel;
import computepool.market.matching.Depth;
import computepool.market.orders.OrderBook;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * What the market offers and asks, for anyone signed in: the best prices for a window of hours, the book's depth,
 * and the spot price index. Prices are integer nano-USD per GPU-hour; times are instants on whole hours (UTC).
 */
@Path("/v1/market")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class MarketDataResource {

    private static final int DEFAULT_LEVELS = 10;
    private static final int MAX_LEVELS = 100;
    /** A month of hours, the longest span of the spot index answered at once. */
    private static final int MAX_INDEX_HOURS = 24 * 31;
    private static final int DEFAULT_INDEX_HOURS = 24;

    /** GPUs at one price. */
    public record Level(long priceNanoUsdPerGpuHour, long gpus) {

        static Level of(Depth.Level level) {
            return new Level(level.priceNanoUsdPerGpuHour(), level.gpus());
        }
    }

    /**
     * The best prices for {@code [start, end)}.
     *
     * @param bestAsk the cheapest price at which GPUs are offered for every hour of the window, and how many; null
     *                when none are
     * @param bestBid the highest limit of the resting buys for any of its hours, and how many GPUs they ask; null
     *                when none rest
     */
    public record Quote(String gpuModel, Instant start, Instant end, @Schema(nullable = true) Level bestAsk,
            @Schema(nullable = true) Level bestBid) {
    }

    public record DepthView(String gpuModel, Instant start, Instant end, List<Level> asks, List<Level> bids) {
    }

    /** @param priceNanoUsdPerGpuHour the average clearing price of the spot GPUs held in the hour, weighted by GPUs */
    public record SpotIndexPoint(Instant hour, long priceNanoUsdPerGpuHour, long gpus) {
    }

    public record SpotIndex(String gpuModel, Instant from, Instant to, List<SpotIndexPoint> points) {
    }

    private final OrderBook book;

    public MarketDataResource(OrderBook book) {
        this.book = book;
    }

    @GET
    @Path("/quote")
    public Quote quote(@BeanParam WindowParameters parameters) {
        Window window = window(parameters);
        Depth depth = book.depth(window.model(), window.startHour(), window.hours(), 1);
        return new Quote(window.model().name(), window.start(), window.end(),
                depth.asks().stream().findFirst().map(Level::of).orElse(null),
                depth.bids().stream().findFirst().map(Level::of).orElse(null));
    }

    @GET
    @Path("/depth")
    public DepthView depth(@BeanParam WindowParameters parameters,
            @QueryParam("levels") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "100")) String levels) {
        Window window = window(parameters);
        int deep = levels == null ? DEFAULT_LEVELS : positive(wholeNumber(levels, "levels"), "levels");
        if (deep > MAX_LEVELS) {
            throw invalid("levels", "must be at most " + MAX_LEVELS);
        }
        Depth depth = book.depth(window.model(), window.startHour(), window.hours(), deep);
        return new DepthView(window.model().name(), window.start(), window.end(),
                depth.asks().stream().map(Level::of).toList(), depth.bids().stream().map(Level::of).toList());
    }

    /** Hour by hour over {@code [from, to)} (by default the last 24 hours to the end of this one). */
    @GET
    @Path("/spot-index")
    public SpotIndex spotIndex(
            @QueryParam("gpuModel") @Parameter(required = true, schema = @Schema(enumeration = { "RTX_3090", "RTX_4090", "L40S",
                    "A100_80GB", "H100_80GB", "H200" })) String gpuModel,
            @QueryParam("from") @Parameter(description = "a whole hour",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time")) String from,
            @QueryParam("to") @Parameter(description = "a whole hour after from, at most 744 hours later",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time")) String to) {
        GpuModel model = gpuModel(gpuModel);
        long toHour = to == null ? book.currentHour() + 1 : hour(instant(to, "to"), "to");
        long fromHour = from == null ? toHour - DEFAULT_INDEX_HOURS : hour(instant(from, "from"), "from");
        if (fromHour >= toHour) {
            throw invalid("to", "must be after from");
        }
        if (toHour - fromHour > MAX_INDEX_HOURS) {
            throw invalid("to", "must be at most " + MAX_INDEX_HOURS + " hours after from");
        }
        return new SpotIndex(model.name(), hourStart(fromHour), hourStart(toHour),
                book.spotIndex(model, fromHour, toHour).stream().map(point -> new SpotIndexPoint(
                        hourStart(point.hour()), point.priceNanoUsdPerGpuHour(), point.gpus())).toList());
    }

    /** The window of hours a quote or the depth is asked for, as the query names it. */
    public static class WindowParameters {

        @QueryParam("gpuModel")
        @Parameter(required = true, schema = @Schema(enumeration = { "RTX_3090", "RTX_4090", "L40S", "A100_80GB",
                "H100_80GB", "H200" }))
        String gpuModel;

        @QueryParam("start")
        @Parameter(required = true, description = "a whole hour, not yet over",
                schema = @Schema(type = SchemaType.STRING, format = "date-time"))
        String start;

        @QueryParam("durationHours")
        @Parameter(required = true, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "8784"))
        String durationHours;
    }

    private record Window(GpuModel model, long startHour, int hours) {

        Instant start() {
            return hourStart(startHour);
        }

        Instant end() {
            return hourStart(startHour + hours);
        }
    }

    private Window window(WindowParameters parameters) {
        GpuModel model = gpuModel(parameters.gpuModel);
        long startHour = hourNotOver(book, parameters.start == null ? null : instant(parameters.start, "start"),
                "start");
        int hours = positive(parameters.durationHours == null ? null
                : wholeNumber(parameters.durationHours, "durationHours"), "durationHours");
        if (hours > OrderResource.MAX_HOURS) {
            throw invalid("durationHours", "must be at most " + OrderResource.MAX_HOURS);
        }
        return new Window(model, startHour, hours);
    }

    private static Instant instant(String text, String field) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw invalid(field, "must be an instant on a whole hour, like 2026-12-01T10:00:00Z");
        }
    }
}
