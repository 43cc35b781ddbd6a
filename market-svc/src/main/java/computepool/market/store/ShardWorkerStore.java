package computepool.market.store;

import computepool.market.domain.RegisteredWorker;
import computepool.market.domain.ShardWorker;
import computepool.market.domain.WorkerLoad;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The shard-worker registry's rows; every write joins the caller's reactive transaction. What a change means (stale,
 * refused) is decided by the caller; this class only reads and writes.
 */
@ApplicationScoped
public class ShardWorkerStore implements PanacheRepositoryBase<ShardWorkerRecord, String> {

    /**
     * Serialises, until the transaction ends, every announcement of one model, so that two workers announcing at
     * once (on different partitions, or in two replicas) cannot both pass the checks against each other.
     */
    public Uni<Void> lockModel(String modelId) {
        return Panache.getSession().chain(session -> session
                .createNativeQuery("select 1 from (select pg_advisory_xact_lock(hashtext(:key))) as locked")
                .setParameter("key", "shard_worker:" + modelId)
                .getSingleResult())
                .replaceWithVoid();
    }

    public Uni<Optional<ShardWorkerRecord>> byId(String workerId) {
        return findById(workerId).map(Optional::ofNullable);
    }

    /**
     * How many workers other than {@code workerId} run on the node and count against its GPUs: announced, not
     * withdrawn, not refused, and heard from since {@code heardSince}.
     */
    public Uni<Long> liveOnNode(String nodeId, String workerId, Instant heardSince) {
        return count("nodeId = ?1 and workerId <> ?2 and withdrawnAt is null and refusedReason is null "
                + "and lastHeardAt >= ?3", nodeId, workerId, heardSince);
    }

    /** The workers of a model, by layer and id. */
    public Uni<List<RegisteredWorker>> ofModel(String modelId) {
        return find("modelId", Sort.by("layerStart").and("workerId"), modelId).list()
                .map(ShardWorkerStore::toDomain);
    }

    /** Every worker with its row, by model, layer and id, for listing. */
    public Uni<List<ShardWorkerRecord>> rows(Optional<String> modelId) {
        Sort order = Sort.by("modelId").and("layerStart").and("workerId");
        return (modelId.isPresent() ? find("modelId", order, modelId.get()) : findAll(order)).list();
    }

    /**
     * Stores the worker's latest announcement: it is serving again (any earlier withdrawal is cleared), accepted or
     * refused as {@code refusedReason} says, and heard from at {@code heardAt}.
     */
    public Uni<Void> announce(Optional<ShardWorkerRecord> existing, ShardWorker worker, Optional<String> refusedReason,
            Instant heardAt) {
        ShardWorkerRecord row = existing.orElseGet(ShardWorkerRecord::new);
        row.announce(worker);
        row.refusedReason = refusedReason.orElse(null);
        row.withdrawnAt = null;
        row.withdrawnReason = null;
        row.lastHeardAt = heardAt;
        return persist(row).replaceWithVoid();
    }

    /**
     * Records a heartbeat sent at {@code sentAt} (the worker's clock), received at {@code receivedAt}, and counting as
     * heard from at {@code heardAt}.
     */
    public Uni<Void> heartbeat(ShardWorkerRecord row, WorkerLoad load, Instant sentAt, Instant receivedAt,
            Instant heardAt) {
        row.heartbeatSentAt = sentAt;
        row.lastHeartbeatAt = receivedAt;
        row.lastHeardAt = heardAt;
        row.activeSessions = load.activeSessions();
        row.tokensInFlight = load.tokensInFlight();
        return persist(row).replaceWithVoid();
    }

    public Uni<Void> withdraw(ShardWorkerRecord row, String reason, Instant withdrawnAt) {
        row.withdrawnAt = withdrawnAt;
        row.withdrawnReason = reason;
        return persist(row).replaceWithVoid();
    }

    static List<RegisteredWorker> toDomain(List<ShardWorkerRecord> rows) {
        return rows.stream().map(ShardWorkerRecord::toDomain).toList();
    }

    /** The domain view of one row. */
    public static RegisteredWorker toDomain(ShardWorkerRecord row) {
        return row.toDomain();
    }
}
