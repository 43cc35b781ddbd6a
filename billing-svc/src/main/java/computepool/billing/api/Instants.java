package computepool.billing.api;

import computepool.problems.ProblemException;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The {@code at} query parameter of the versioned prices: an RFC 3339 instant, now when absent. */
final class Instants {

    private Instants() {
    }

    static Instant at(String at, Clock clock) {
        if (at == null) {
            return clock.instant();
        }
        try {
            return Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "at",
                    "must be an RFC 3339 instant such as 2026-01-01T00:00:00Z");
        }
    }
}
