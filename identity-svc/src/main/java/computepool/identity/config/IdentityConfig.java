package computepool.identity.config;

import computepool.identity.domain.RateLimits;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of API keys and the rate limits they carry. */
@ConfigMapping(prefix = "computepool.identity")
public interface IdentityConfig {

    /**
     * The HMAC key under which API key secrets are hashed, at least 32 bytes; kept out of the database. Changing it
     * invalidates every key issued before.
     */
    String apiKeyPepper();

    /** Limits of developers for whom an administrator set none. */
    DefaultRateLimits defaultRateLimits();

    /**
     * How stale a key's "last used" time may be. Verification writes it at most once per this interval per key, so a
     * busy key does not turn every verification into a write.
     */
    @WithDefault("60s")
    Duration keyLastUsedResolution();

    interface DefaultRateLimits {

        @WithDefault("60")
        int requestsPerMinute();

        @WithDefault("100000")
        long tokensPerMinute();

        default RateLimits toDomain() {
            return new RateLimits(requestsPerMinute(), tokensPerMinute());
        }
    }
}
