package computepool.market.store;

import computepool.market.domain.Node;
import computepool.market.domain.NodeStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Nodes by operator; every write joins the caller's reactive transaction. */
@ApplicationScoped
public class NodeStore implements PanacheRepositoryBase<NodeRecord, UUID> {

    /** Inserts a node with its GPUs and flushes, so a broken constraint fails this call, inside the transaction. */
    public Uni<Node> insert(Node node) {
        return persistAndFlush(NodeRecord.from(node)).map(NodeRecord::toDomain);
    }

    /** The operator's nodes, oldest first, each with its GPUs loaded in the same query. */
    public Uni<List<NodeStatus>> ofOperator(String operatorId) {
        return find("from NodeRecord n left join fetch n.gpus where n.operatorId = ?1 order by n.registeredAt, n.id",
                operatorId)
                .list()
                .map(rows -> rows.stream().map(NodeRecord::toStatus).toList());
    }

    /** One node, whoever owns it. */
    public Uni<Optional<Node>> byId(UUID id) {
        return find("from NodeRecord n left join fetch n.gpus where n.id = ?1", id)
                .list()
                .map(rows -> rows.stream().findFirst().map(NodeRecord::toDomain));
    }

    /** One node, only if the operator owns it. */
    public Uni<Optional<NodeStatus>> ofOperator(UUID id, String operatorId) {
        return find("from NodeRecord n left join fetch n.gpus where n.id = ?1 and n.operatorId = ?2", id, operatorId)
                .list()
                .map(rows -> rows.stream().findFirst().map(NodeRecord::toStatus));
    }

    /**
     * Records that the node is up, only if the operator owns it; a heartbeat never moves the time back.
     *
     * @return whether the operator has such a node
     */
    public Uni<Boolean> heartbeat(UUID id, String operatorId, Instant at) {
        return update("lastHeartbeatAt = case when lastHeartbeatAt is null or lastHeartbeatAt < ?3 then ?3 "
                + "else lastHeartbeatAt end where id = ?1 and operatorId = ?2", id, operatorId, at)
                .map(updated -> updated > 0);
    }
}
