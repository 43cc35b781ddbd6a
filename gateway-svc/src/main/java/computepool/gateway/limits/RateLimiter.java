package computepool.gateway.limits;

import computepool.gateway.api.OpenAiException;
import computepool.gateway.auth.Caller;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Requests and tokens per minute per API key, and per Keycloak subject for callers with an access token, counted in
 * Redis so that every gateway replica draws on the same
 * allowance. Windows are calendar minutes of Redis' own clock ({@code TIME}), so replicas with skewed clocks still
 * agree on them. A request is admitted when one more request and its prompt tokens fit the current window; its
 * completion tokens are added when it ends, and count against the requests that follow. Both checks and both
 * increments run in one script, atomically.
 *
 * <p>A key's counters are its own ({@code ratelimit:<key id>:...}), as identity-svc's limits are per key; a token's
 * are its subject's ({@code ratelimit:token:<subject>:...}), shared by every token of that login, on every replica.
 * Callers paying by voucher have no limits and are not counted.
 */
@ApplicationScoped
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);
    /** Counters outlive their minute long enough for a late completion to land in the right one. */
    private static final int COUNTER_TTL_SECONDS = 180;

    // KEYS[1], KEYS[2]: the key's request and token counters, without the window suffix.
    // ARGV: requests per minute, tokens per minute, prompt tokens.
    // Returns {1, window} when admitted, {0, seconds until the next window, 'requests' or 'tokens', used} when not.
    private static final String ADMIT = """
            local now = tonumber(redis.call('TIME')[1])
            local window = math.floor(now / 60)
            local requests_key = KEYS[1] .. ':' .. window
            local tokens_key = KEYS[2] .. ':' .. window
            local requests = tonumber(redis.call('GET', requests_key) or '0')
            local tokens = tonumber(redis.call('GET', tokens_key) or '0')
            local retry_after = 60 - (now %% 60)
            if requests + 1 > tonumber(ARGV[1]) then
              return {0, retry_after, 'requests', requests}
            end
            if tokens + tonumber(ARGV[3]) > tonumber(ARGV[2]) then
              return {0, retry_after, 'tokens', tokens}
            end
            redis.call('INCR', requests_key)
            redis.call('EXPIRE', requests_key, %d)
            redis.call('INCRBY', tokens_key, ARGV[3])
            redis.call('EXPIRE', tokens_key, %d)
            return {1, window}
            """.formatted(COUNTER_TTL_SECONDS, COUNTER_TTL_SECONDS);

    private final ReactiveRedisDataSource redis;

    public RateLimiter(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** A request admitted into the window it counts in. */
    public record Admission(String tokensCounter) {

        /** For callers without limits (paying by voucher). */
        public static final Admission UNLIMITED = new Admission(null);
    }

    /**
     * Admits the request or fails with 429 and {@code Retry-After}; fails with 503 when Redis cannot say, since
     * admitting unchecked would break the limits for every replica at once.
     */
    public Uni<Admission> admit(Caller caller, int promptTokens) {
        Optional<Holder> holder = holderOf(caller);
        if (caller.limits().isEmpty() || holder.isEmpty()) {
            return Uni.createFrom().item(Admission.UNLIMITED);
        }
        Caller.Limits limits = caller.limits().get();
        String key = holder.get().counter();
        String requests = "ratelimit:" + key + ":requests";
        String tokens = "ratelimit:" + key + ":tokens";
        return redis.execute("EVAL", ADMIT, "2", requests, tokens, String.valueOf(limits.requestsPerMinute()),
                        String.valueOf(limits.tokensPerMinute()), String.valueOf(promptTokens))
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .onFailure().transform(failure -> {
                    LOG.warnf(failure, "Redis did not answer the rate limit of %s", key);
                    return RateLimited.unavailable();
                })
                .map(answer -> decide(answer, limits, holder.get(), tokens, promptTokens));
    }

    /**
     * Whose allowance a request draws on.
     *
     * @param counter what its counters are named by
     * @param named   how a refusal names it to the caller
     */
    private record Holder(String counter, String named) {
    }

    private static Optional<Holder> holderOf(Caller caller) {
        return caller.apiKeyId().map(key -> new Holder(key, "this API key"))
                .or(() -> caller.keycloakSubject().map(subject -> new Holder("token:" + subject,
                        "your access tokens")));
    }

    private static Admission decide(Response answer, Caller.Limits limits, Holder holder, String tokens,
            int promptTokens) {
        if (answer.get(0).toInteger() == 1) {
            return new Admission(tokens + ":" + answer.get(1).toLong());
        }
        long retryAfter = answer.get(1).toLong();
        String exhausted = answer.get(2).toString();
        long used = answer.get(3).toLong();
        throw "requests".equals(exhausted)
                ? RateLimited.requests(holder.named(), limits.requestsPerMinute(), used, retryAfter)
                : RateLimited.tokens(holder.named(), limits.tokensPerMinute(), used, promptTokens, retryAfter);
    }

    /** Adds the completion's tokens to the window the request was admitted in. */
    public Uni<Void> completed(Admission admission, int completionTokens) {
        if (admission.tokensCounter() == null || completionTokens <= 0) {
            return Uni.createFrom().voidItem();
        }
        return redis.execute("EVAL", "redis.call('INCRBY', KEYS[1], ARGV[1]) redis.call('EXPIRE', KEYS[1], ARGV[2])",
                        "1", admission.tokensCounter(), String.valueOf(completionTokens),
                        String.valueOf(COUNTER_TTL_SECONDS))
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .onFailure().invoke(failure -> LOG.warnf(failure, "Completion tokens not counted in %s",
                        admission.tokensCounter()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
