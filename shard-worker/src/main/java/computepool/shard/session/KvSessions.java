package computepool.shard.session;

import computepool.shard.config.ShardConfig;
import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sessions this worker holds, within its bounds on sessions and on KV cache positions, and
 * the gauge {@code kv_sessions_active}. A session idle past the configured timeout is cancelled.
 */
@Singleton
public class KvSessions {

    private final int maxSessions;
    private final int maxTokens;
    private final Duration idleTimeout;
    private final Map<String, SessionStream> active = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().daemon().name("kv-session-sweeper").unstarted(runnable));
    private int reservedTokens;

    KvSessions(ShardConfig config, MeterRegistry meters) {
        this.maxSessions = config.maxSessions();
        this.maxTokens = config.maxSessionTokens();
        this.idleTimeout = config.sessionIdleTimeout();
        Gauge.builder("kv_sessions_active", active, Map::size)
                .description("Sessions holding a KV cache on this worker")
                .register(meters);
        long period = Math.max(100, Math.min(1_000, idleTimeout.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::expireIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Admits a session of {@code tokens} KV positions.
     *
     * @throws io.grpc.StatusException RESOURCE_EXHAUSTED when either bound would be passed,
     *         ALREADY_EXISTS when the id is taken
     */
    synchronized void admit(SessionStream session, int tokens) throws io.grpc.StatusException {
        if (active.containsKey(session.id())) {
            throw Status.ALREADY_EXISTS.withDescription("session " + session.id() + " is already open here")
                    .asException();
        }
        if (active.size() >= maxSessions) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("this worker holds its maximum of " + maxSessions
                    + " sessions").asException();
        }
        if (reservedTokens + tokens > maxTokens) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("a KV cache of " + tokens + " positions does not fit: "
                    + (maxTokens - reservedTokens) + " of " + maxTokens + " are free").asException();
        }
        reservedTokens += tokens;
        active.put(session.id(), session);
    }

    synchronized void release(SessionStream session, int tokens) {
        if (active.remove(session.id(), session)) {
            reservedTokens -= tokens;
        }
    }

    Optional<SessionStream> find(String sessionId) {
        return Optional.ofNullable(active.get(sessionId));
    }

    public int activeCount() {
        return active.size();
    }

    /** KV cache positions reserved by the sessions held now. */
    public synchronized int reservedTokens() {
        return reservedTokens;
    }

    private void expireIdle() {
        long now = System.nanoTime();
        for (SessionStream session : List.copyOf(active.values())) {
            if (now - session.lastActivityNanos() > idleTimeout.toNanos()) {
                session.expire(idleTimeout);
            }
        }
    }

    @PreDestroy
    void stop() {
        sweeper.shutdownNow();
        List.copyOf(active.values()).forEach(session -> session.cancel("the worker is stopping"));
    }
}
