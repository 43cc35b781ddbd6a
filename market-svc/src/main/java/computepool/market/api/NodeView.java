package computepool.market.api;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.Node;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A registered node as the REST API shows it. */
public record NodeView(UUID id, String operatorId, String name, String zone, String interconnect,
        int powerBudgetWatts, long peakWatts, List<GpuView> gpus, Instant registeredAt) {

    /** One group of identical cards. */
    public record GpuView(String model, int memoryGib, int count, int powerLimitWatts) {

        static GpuView of(GpuGroup group) {
            return new GpuView(group.model().name(), group.memoryGib(), group.count(), group.powerLimitWatts());
        }
    }

    static NodeView of(Node node) {
        return new NodeView(node.id(), node.operatorId(), node.name(), node.zone(),
                node.interconnect().wireName(), node.powerBudgetWatts(), node.peakWatts(),
                node.gpus().stream().map(GpuView::of).toList(), node.registeredAt());
    }
}
