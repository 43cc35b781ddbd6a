package computepool.gateway.limits;

import computepool.gateway.api.OpenAiException;
import computepool.gateway.config.GatewayConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Refuses, with 429, the authentication attempts of a client address that failed too often in the current window,
 * before they cost a call to identity-svc. Failures are counted in Redis ({@code ratelimit:unauthenticated:<address>},
 * calendar windows of Redis' clock) so that replicas share one allowance per address; whether an address is refused
 * is decided from what this gateway last heard of it, so requests that authenticate never wait for Redis, and refused
 * ones cost neither Redis nor identity-svc. When Redis does not answer, each replica counts alone.
 *
 * <p>A refused address is refused whatever it sends until its window ends: telling a valid credential from a guess
 * would take the very verification the refusal saves. A success does not clear its failures.
 */
@ApplicationScoped
public class FailedAttemptThrottle {

    private static final Logger LOG = Logger.getLogger(FailedAttemptThrottle.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);
    static final String COUNTERS = "ratelimit:unauthenticated:";

    // KEYS[1]: the address's counter, without the window suffix. ARGV[1]: the window in seconds.
    // Returns {failures in the current window, this one included, seconds until the window ends}.
    private static final String COUNT = """
            local now = tonumber(redis.call('TIME')[1])
            local window = tonumber(ARGV[1])
            local counter = KEYS[1] .. ':' .. math.floor(now / window)
            local failures = redis.call('INCR', counter)
            redis.call('EXPIRE', counter, window)
            return {failures, window - (now % window)}
            """;

    private final ReactiveRedisDataSource redis;
    private final Clock clock;
    private final boolean trustForwardedFor;
    private final long windowSeconds;
    private final FailedAttempts attempts;

    public FailedAttemptThrottle(ReactiveRedisDataSource redis, Clock clock, GatewayConfig config) {
        this.redis = redis;
        this.clock = clock;
        GatewayConfig.FailedAuthentication limits = config.failedAuthentication();
        this.trustForwardedFor = limits.trustForwardedFor();
        this.windowSeconds = limits.window().toSeconds();
        this.attempts = new FailedAttempts(limits.maxAttempts(), Duration.ofSeconds(windowSeconds),
                limits.maxAddresses());
    }

    /**
     * The authentication {@code attempt} of the request's client, unless its address is refused: then 429 at once,
     * with the seconds until its window ends in {@code Retry-After}. An attempt that ends in 401 counts against the
     * address; other failures (403 for a missing scope or role, 503 for identity-svc away) do not.
     */
    public <T> Uni<T> guard(RoutingContext routing, Supplier<Uni<T>> attempt) {
        String address = ClientAddress.of(routing, trustForwardedFor);
        OptionalLong refused = attempts.refusedForSeconds(address, clock.instant());
        if (refused.isPresent()) {
            return Uni.createFrom().failure(RateLimited.failedAuthentications(attempts.maxAttempts(), windowSeconds,
                    refused.getAsLong()));
        }
        return Uni.createFrom().<T>deferred(attempt::get)
                .onFailure(FailedAttemptThrottle::unauthenticated).call(failure -> counted(address));
    }

    private static boolean unauthenticated(Throwable failure) {
        return failure instanceof OpenAiException answer && answer.status().getStatusCode() == 401;
    }

    /** Never fails: the attempt's own 401 is what the client gets. */
    private Uni<Void> counted(String address) {
        return redis.execute("EVAL", COUNT, "1", COUNTERS + address, String.valueOf(windowSeconds))
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .map(answer -> attempts.counted(address, answer.get(0).toLong(),
                        clock.instant().plusSeconds(answer.get(1).toLong())))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf(failure, "Redis did not count a failed authentication; this gateway counts alone");
                    return attempts.countedHere(address, clock.instant());
                })
                .invoke(nowRefused -> {
                    if (nowRefused) {
                        LOG.infof("%s failed to authenticate %d times within %ds; refused until the window ends",
                                address, attempts.maxAttempts(), windowSeconds);
                    }
                })
                .replaceWithVoid();
    }
}
