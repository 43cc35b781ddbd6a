package computepool.market.events;

import computepool.market.config.RegistryConfig;
import computepool.market.domain.ShardWorker;
import computepool.market.domain.WorkerAdmission;
import computepool.market.domain.WorkerLoad;
import computepool.market.store.ShardWorkerRecord;
import computepool.market.store.ShardWorkerStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Applies what workers say about themselves to the registry, inside the caller's transaction. Events of one worker
 * may arrive late or out of order (a redelivery, a replay): each carries the worker's own time, and an event older
 * than what the registry already holds from that worker changes nothing. Health, on the other hand, is judged by the
 * registry's clock at receipt, so a worker whose clock is a little off is neither kept alive nor dropped by it; an
 * event older than the silence limit counts at its own time (see {@link #heardAt}).
 */
@ApplicationScoped
public class WorkerRegistryUpdates {

    private static final Logger LOG = Logger.getLogger(WorkerRegistryUpdates.class);

    private final ShardWorkerStore workers;
    private final RegistryConfig config;
    private final Clock clock;

    public WorkerRegistryUpdates(ShardWorkerStore workers, RegistryConfig config, Clock clock) {
        this.workers = workers;
        this.config = config;
        this.clock = clock;
    }

    /** Adds or replaces a worker, refused when its node already serves those layers. */
    public Uni<Void> announced(ShardWorker worker) {
        Instant receivedAt = now();
        return workers.lockModel(worker.modelId())
                .chain(() -> workers.byId(worker.workerId()))
                .chain(existing -> {
                    if (existing.isPresent() && isStale(worker, existing.get())) {
                        LOG.infof("Ignoring announcement of worker %s made at %s: the registry holds a later one "
                                + "or a later withdrawal", worker.workerId(), worker.announcedAt());
                        return Uni.createFrom().voidItem();
                    }
                    return workers.ofModel(worker.modelId()).chain(others -> {
                        Optional<String> refusal = WorkerAdmission.refusal(worker, others, receivedAt,
                                config.workerSilenceLimit());
                        refusal.ifPresentOrElse(
                                reason -> LOG.warnf("Refused worker %s: %s", worker.workerId(), reason),
                                () -> LOG.infof("Worker %s serves layers %s of %s at %s", worker.workerId(),
                                        worker.layers(), worker.modelId(), worker.address()));
                        return workers.announce(existing, worker, refusal, heardAt(worker.announcedAt(), receivedAt));
                    });
                });
    }

    /** Records a worker's load and that it is alive; a heartbeat of an unknown worker is ignored. */
    public Uni<Void> heartbeat(String workerId, WorkerLoad load, Instant sentAt) {
        Instant receivedAt = now();
        return workers.byId(workerId).chain(found -> {
            if (found.isEmpty()) {
                // The announcement comes first on the worker's partition; without one there is nothing to route to.
                LOG.debugf("Ignoring heartbeat of unknown worker %s", workerId);
                return Uni.createFrom().voidItem();
            }
            ShardWorkerRecord row = found.get();
            if (sentAt.isBefore(row.announcedAt)
                    || row.heartbeatSentAt != null && sentAt.isBefore(row.heartbeatSentAt)) {
                LOG.debugf("Ignoring heartbeat of worker %s sent at %s: the registry holds a later one", workerId,
                        sentAt);
                return Uni.createFrom().voidItem();
            }
            return workers.heartbeat(row, load, sentAt, receivedAt, heardAt(sentAt, receivedAt));
        });
    }

    /** Takes a worker out of every new pipeline at once. */
    public Uni<Void> withdrawn(String workerId, String reason, Instant withdrawnAt) {
        return workers.byId(workerId).chain(found -> {
            if (found.isEmpty()) {
                LOG.debugf("Ignoring withdrawal of unknown worker %s", workerId);
                return Uni.createFrom().voidItem();
            }
            ShardWorkerRecord row = found.get();
            if (withdrawnAt.isBefore(row.announcedAt)) {
                LOG.infof("Ignoring withdrawal of worker %s made at %s: it announced itself again at %s", workerId,
                        withdrawnAt, row.announcedAt);
                return Uni.createFrom().voidItem();
            }
            LOG.infof("Worker %s withdrew: %s", workerId, reason);
            return workers.withdraw(row, reason, withdrawnAt);
        });
    }

    /**
     * When the registry counts the worker as heard from: on receipt, unless the event says it was made longer ago than
     * the silence limit. Then it is a replay (a new consumer group reading the topic from its start, a redelivery
     * after a long outage) and proves nothing about the worker now; the event's own time keeps it from making a
     * worker that died long ago look alive. Worker clocks must therefore agree with the registry's to within the
     * silence limit, which any synchronised clock does by far.
     */
    private Instant heardAt(Instant eventTime, Instant receivedAt) {
        return eventTime.isBefore(receivedAt.minus(config.workerSilenceLimit())) ? eventTime : receivedAt;
    }

    private static boolean isStale(ShardWorker announcement, ShardWorkerRecord stored) {
        return announcement.announcedAt().isBefore(stored.announcedAt)
                || stored.withdrawnAt != null && !announcement.announcedAt().isAfter(stored.withdrawnAt);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
