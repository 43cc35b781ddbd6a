package computepool.market.store;

import computepool.market.domain.Node;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
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
    public Uni<List<Node>> ofOperator(String operatorId) {
        return find("from NodeRecord n left join fetch n.gpus where n.operatorId = ?1 order by n.registeredAt, n.id",
                operatorId)
                .list()
                .map(rows -> rows.stream().map(NodeRecord::toDomain).toList());
    }

    /** One node, only if the operator owns it. */
    public Uni<Optional<Node>> ofOperator(UUID id, String operatorId) {
        return find("from NodeRecord n left join fetch n.gpus where n.id = ?1 and n.operatorId = ?2", id, operatorId)
                .list()
                .map(rows -> rows.stream().findFirst().map(NodeRecord::toDomain));
    }
}
