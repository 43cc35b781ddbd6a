package computepool.identity.api;

import computepool.identity.domain.RateLimits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * A developer's limits per API key and minute, as administrators set and read them.
 *
 * @param defaults true when no administrator set them and the configured defaults apply (ignored in a request)
 */
public record RateLimitsBody(
        @NotNull(message = "is required")
        @Min(value = 1, message = "must be at least 1")
        @Max(value = 1_000_000, message = "must be at most 1000000")
        Integer requestsPerMinute,
        @NotNull(message = "is required")
        @Min(value = 1, message = "must be at least 1")
        @Max(value = 1_000_000_000_000L, message = "must be at most 1000000000000")
        Long tokensPerMinute,
        Boolean defaults) {

    static RateLimitsBody of(RateLimits limits, boolean defaults) {
        return new RateLimitsBody(limits.requestsPerMinute(), limits.tokensPerMinute(), defaults);
    }

    RateLimits toDomain() {
        return new RateLimits(requestsPerMinute, tokensPerMinute);
    }
}
