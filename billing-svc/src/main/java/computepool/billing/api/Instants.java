package computepool.billing.api;

import computepool.problems.ProblemException;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Instants in query parameters: RFC 3339, like {@code at} of the versioned prices (now when absent). */
final class Instants {

    private Instants() {
    }

    static Instant at(String at, Clock clock) {
        return at == null ? clock.instant() : parse(at, "at");
    }

    /** An RFC 3339 instant, or 400 naming the field. */
    static Instant parse(String value, String field) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, field,
                    "must be an RFC 3339 instant such as 2026-01-01T00:00:00Z");
        }
    }
}
