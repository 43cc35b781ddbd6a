package computepool.market.store;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import computepool.market.domain.NodeStatus;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The row of one node, with its GPU groups in {@code node_gpu} in the order they were registered. */
@Entity
@Table(name = "node")
public class NodeRecord {

    @Id
    public UUID id;

    @Column(name = "operator_id", nullable = false, updatable = false)
    public String operatorId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String zone;

    @Column(nullable = false)
    public String interconnect;

    @Column(name = "power_budget_watts", nullable = false)
    public int powerBudgetWatts;

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "node_gpu", joinColumns = @JoinColumn(name = "node_id"))
    @OrderColumn(name = "position")
    public List<GpuRow> gpus = new ArrayList<>();

    @Column(name = "registered_at", nullable = false, updatable = false)
    public Instant registeredAt;

    @Column(name = "last_heartbeat_at")
    public Instant lastHeartbeatAt;

    /** One group of identical cards. */
    @Embeddable
    public static class GpuRow {

        @Column(nullable = false)
        public String model;

        @Column(name = "memory_gib", nullable = false)
        public int memoryGib;

        @Column(name = "gpu_count", nullable = false)
        public int count;

        @Column(name = "power_limit_watts", nullable = false)
        public int powerLimitWatts;

        static GpuRow from(GpuGroup group) {
            GpuRow row = new GpuRow();
            row.model = group.model().name();
            row.memoryGib = group.memoryGib();
            row.count = group.count();
            row.powerLimitWatts = group.powerLimitWatts();
            return row;
        }

        GpuGroup toDomain() {
            return new GpuGroup(GpuModel.valueOf(model), memoryGib, count, powerLimitWatts);
        }
    }

    static NodeRecord from(Node node) {
        NodeRecord row = new NodeRecord();
        row.id = node.id();
        row.operatorId = node.operatorId();
        row.name = node.name();
        row.zone = node.zone();
        row.interconnect = node.interconnect().wireName();
        row.powerBudgetWatts = node.powerBudgetWatts();
        row.gpus = new ArrayList<>(node.gpus().stream().map(GpuRow::from).toList());
        row.registeredAt = node.registeredAt();
        return row;
    }

    NodeStatus toStatus() {
        return new NodeStatus(toDomain(), Optional.ofNullable(lastHeartbeatAt));
    }

    Node toDomain() {
        Interconnect link = Interconnect.named(interconnect)
                .orElseThrow(() -> new IllegalStateException("node " + id + " has unknown interconnect " + interconnect));
        return new Node(id, operatorId, name, zone, link, powerBudgetWatts,
                gpus.stream().map(GpuRow::toDomain).toList(), registeredAt);
    }
}
