package computepool.events.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import computepool.events.ParkedEventReplays;
import computepool.events.ParkedEvents;
import computepool.problems.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
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
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The records this service's consumers parked, for administrators: list them (by consumer, type, reason, time),
 * look at one with its replays, and replay one or all of them once their cause is fixed.
 */
@Path("/v1/admin/events/parked")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class ParkedEventsResource {

    private static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    /** Replays per call: each runs its effect, so a call stays well within a client's timeout. */
    static final int MAX_REPLAYS = 100;

    private final ParkedEvents parked;
    private final ParkedEventReplays replays;
    private final SecurityIdentity identity;

    public ParkedEventsResource(ParkedEvents parked, ParkedEventReplays replays, SecurityIdentity identity) {
        this.parked = parked;
        this.replays = replays;
        this.identity = identity;
    }

    /** One parked record; {@code payload} is base64. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ParkedEventView(long id, String consumer, String topic, int partition, long offset, String key,
            String eventId, String eventType, String reason, String payload, String parkedAt, String resolvedAt) {

        static ParkedEventView of(ParkedEvents.Parked parked) {
            return new ParkedEventView(parked.id(), parked.consumer(), parked.topic(), parked.partition(),
                    parked.offset(), parked.key(), parked.eventId(), parked.eventType(), parked.reason(),
                    parked.payload() == null ? null : Base64.getEncoder().encodeToString(parked.payload()),
                    parked.parkedAt().toString(), parked.resolvedAt().map(Instant::toString).orElse(null));
        }
    }

    /** A page of parked records; {@code next} is the {@code after} of the next page, absent on the last. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ParkedEventsPage(List<ParkedEventView> events, Long next) {
    }

    public record ParkedEventDetail(ParkedEventView event, List<Map<String, Object>> replays) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReplayView(long id, String outcome, String detail) {
    }

    public record ReplaySummary(int replayed, Map<String, Integer> outcomes) {
    }

    /** Which unresolved records to replay; each criterion left out matches every record. */
    public record ReplayRequest(@Schema(nullable = true) String consumer, @Schema(nullable = true) String type,
            @Schema(nullable = true) String reason, @Schema(nullable = true) String parkedFrom,
            @Schema(nullable = true) String parkedBefore,
            @Schema(nullable = true) @Min(value = 1, message = "must be 1 to 100")
            @Max(value = MAX_REPLAYS, message = "must be 1 to 100") Integer limit) {
    }

    // Numbers and flags are read here rather than by JAX-RS, which answers a parameter it cannot convert with 404.
    @GET
    public Uni<ParkedEventsPage> list(@QueryParam("consumer") String consumer, @QueryParam("type") String type,
            @QueryParam("reason") String reason,
            @QueryParam("parkedFrom") @Parameter(schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            String parkedFrom,
            @QueryParam("parkedBefore") @Parameter(schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            String parkedBefore,
            @QueryParam("resolved") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN)) String resolved,
            @QueryParam("after") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) String after,
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "" + MAX_LIMIT)) String limit) {
        boolean includeResolved = switch (resolved == null ? "false" : resolved) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ProblemException(Response.Status.BAD_REQUEST, "resolved", "must be true or false");
        };
        ParkedEvents.Filter filter = filter(consumer, type, reason, parkedFrom, parkedBefore, includeResolved);
        long from = after == null ? 0 : number("after", after, 0, Long.MAX_VALUE);
        int size = limit == null ? DEFAULT_LIMIT : (int) number("limit", limit, 1, MAX_LIMIT);
        return parked.list(filter, from, size).map(events -> new ParkedEventsPage(
                events.stream().map(ParkedEventView::of).toList(),
                events.size() == size ? events.getLast().id() : null));
    }

    @GET
    @Path("/{id: [0-9]+}")
    public Uni<ParkedEventDetail> one(
            @PathParam("id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1")) String id) {
        long parkedId = number("id", id, 1, Long.MAX_VALUE);
        return parked.find(parkedId).chain(found -> {
            if (found.isEmpty()) {
                throw notFound(parkedId);
            }
            return parked.replaysOf(parkedId).map(history -> new ParkedEventDetail(
                    ParkedEventView.of(found.get()), history));
        });
    }

    @POST
    @Path("/{id: [0-9]+}/replay")
    public Uni<ReplayView> replay(
            @PathParam("id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1")) String id) {
        long parkedId = number("id", id, 1, Long.MAX_VALUE);
        return replays.replay(parkedId, who()).map(result -> result
                .map(done -> new ReplayView(done.id(), done.outcome().name(), done.detail().orElse(null)))
                .orElseThrow(() -> notFound(parkedId)));
    }

    /** Replays the unresolved records the body's filters match; {@code {}} matches every one (at most limit). */
    @POST
    @Path("/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<ReplaySummary> replayAll(@NotNull(message = "a JSON body is required") @Valid ReplayRequest request) {
        ParkedEvents.Filter filter = filter(request.consumer(), request.type(), request.reason(), request.parkedFrom(),
                request.parkedBefore(), false);
        int limit = request.limit() == null ? DEFAULT_LIMIT : request.limit();
        return replays.replayAll(filter, who(), limit).map(outcomes -> {
            Map<String, Integer> named = new TreeMap<>();
            outcomes.forEach((outcome, count) -> named.put(outcome.name(), count));
            return new ReplaySummary(outcomes.values().stream().mapToInt(Integer::intValue).sum(), named);
        });
    }

    private String who() {
        return identity.getPrincipal().getName();
    }

    private static ParkedEvents.Filter filter(String consumer, String type, String reason, String parkedFrom,
            String parkedBefore, boolean includeResolved) {
        return new ParkedEvents.Filter(text(consumer), text(type), text(reason), instant("parkedFrom", parkedFrom),
                instant("parkedBefore", parkedBefore), includeResolved);
    }

    private static Optional<String> text(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<Instant> instant(String field, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, field,
                    "must be an RFC 3339 instant in UTC, such as 2026-12-01T10:00:00Z");
        }
    }

    private static long number(String field, String value, long least, long most) {
        try {
            long number = Long.parseLong(value);
            if (number >= least && number <= most) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ProblemException(Response.Status.BAD_REQUEST, field, "must be a whole number from " + least
                + " to " + most);
    }

    private static ProblemException notFound(long id) {
        return new ProblemException(Response.Status.NOT_FOUND, "no parked event " + id);
    }
}
