package computepool.market.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A worker as the registry knows it: its latest announcement, its latest load, when the registry last heard
 * from it (by the registry's own clock, so a worker's skewed clock cannot keep it alive or kill it), and
 * whether it withdrew or was refused.
 *
 * @param load          from the latest heartbeat; empty before the first
 * @param lastHeardAt   when the latest announcement or heartbeat reached the registry
 * @param withdrawn     the reason the worker gave when it withdrew; empty while it serves
 * @param refusedReason why the registry refused the announcement; empty when it was accepted
 */
public record RegisteredWorker(ShardWorker worker, Optional<WorkerLoad> load, Instant lastHeardAt,
        Optional<String> withdrawn, Optional<String> refusedReason) {

    public RegisteredWorker {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(lastHeardAt, "lastHeardAt");
        Objects.requireNonNull(withdrawn, "withdrawn");
        Objects.requireNonNull(refusedReason, "refusedReason");
    }

    public String workerId() {
        return worker.workerId();
    }

    /** Serving, accepted, and heard from within {@code silenceLimit} before {@code now}. */
    public boolean healthy(Instant now, Duration silenceLimit) {
        return withdrawn.isEmpty() && refusedReason.isEmpty()
                && !lastHeardAt.plus(silenceLimit).isBefore(now);
    }

    public int activeSessions() {
        return load.orElse(WorkerLoad.IDLE).activeSessions();
    }

    /** Every session slot is taken: the worker cannot join another pipeline. */
    public boolean full() {
        return activeSessions() >= worker.maxSessions();
    }
}
