package computepool.gateway.limits;

import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import jakarta.ws.rs.core.Response;
import java.util.OptionalLong;

/**
 * A request over its key's or its login's limits, or from an address that failed to authenticate too often (429,
 * with the seconds until the next window in {@code Retry-After}).
 */
public final class RateLimited extends OpenAiException {

    private final OptionalLong retryAfterSeconds;

    private RateLimited(Response.Status status, String message, String type, String code, OptionalLong retryAfter) {
        super(status, message, type, null, code);
        this.retryAfterSeconds = retryAfter;
    }

    static RateLimited requests(String of, int limit, long used, long retryAfter) {
        return new RateLimited(Response.Status.TOO_MANY_REQUESTS, "Rate limit reached for requests per minute "
                + "(RPM) of " + of + ": limit " + limit + ", used " + used + ", requested 1. Please try again in "
                + retryAfter + "s.", "requests", "rate_limit_exceeded", OptionalLong.of(retryAfter));
    }

    static RateLimited tokens(String of, long limit, long used, int requested, long retryAfter) {
        return new RateLimited(Response.Status.TOO_MANY_REQUESTS, "Rate limit reached for tokens per minute "
                + "(TPM) of " + of + ": limit " + limit + ", used " + used + ", requested " + requested
                + ". Please try again in " + retryAfter + "s.", "tokens", "rate_limit_exceeded",
                OptionalLong.of(retryAfter));
    }

    static RateLimited failedAuthentications(int attempts, long windowSeconds, long retryAfter) {
        return new RateLimited(Response.Status.TOO_MANY_REQUESTS, "Too many failed authentication attempts from "
                + "your address: " + attempts + " within " + windowSeconds + "s. Check your API key or token, and "
                + "try again in " + retryAfter + "s.", "requests", "authentication_attempts_exceeded",
                OptionalLong.of(retryAfter));
    }

    static RateLimited unavailable() {
        return new RateLimited(Response.Status.SERVICE_UNAVAILABLE, "Rate limits cannot be checked right now; "
                + "retry the request.", OpenAiError.SERVER_ERROR, "rate_limiter_unavailable", OptionalLong.empty());
    }

    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
