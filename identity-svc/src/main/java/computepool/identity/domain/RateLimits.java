package computepool.identity.domain;

/** How much a developer's keys may ask of the inference API, per minute and per key. */
public record RateLimits(int requestsPerMinute, long tokensPerMinute) {

    public RateLimits {
        if (requestsPerMinute < 1) {
            throw new IllegalArgumentException("requestsPerMinute must be at least 1, is " + requestsPerMinute);
        }
        if (tokensPerMinute < 1) {
            throw new IllegalArgumentException("tokensPerMinute must be at least 1, is " + tokensPerMinute);
        }
    }
}
