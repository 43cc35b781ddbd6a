package computepool.market.api;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.Node;
import computepool.market.domain.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A registered node as the REST API shows it.
 *
 * @param lastHeartbeatAt when its agent last said it is up; null if never
 * @param offered         whether buyers are offered it now: heard from within the silence limit
 * @param credential      the credential its workers present, with its secret: only in the answer to registering it
 */
public record NodeView(UUID id, String operatorId, String name, String zone, String interconnect,
        int powerBudgetWatts, long peakWatts, List<GpuView> gpus, Instant registeredAt,
        @Schema(nullable = true) Instant lastHeartbeatAt, boolean offered,
        @Schema(nullable = true) NodeCredentialView credential) {

    /** One group of identical cards. */
    public record GpuView(String model, int memoryGib, int count, int powerLimitWatts) {

        static GpuView of(GpuGroup group) {
            return new GpuView(group.model().name(), group.memoryGib(), group.count(), group.powerLimitWatts());
        }
    }

    static NodeView of(NodeStatus status, Instant now, Duration silenceLimit) {
        Node node = status.node();
        return new NodeView(node.id(), node.operatorId(), node.name(), node.zone(),
                node.interconnect().wireName(), node.powerBudgetWatts(), node.peakWatts(),
                node.gpus().stream().map(GpuView::of).toList(), node.registeredAt(),
                status.lastHeartbeatAt().orElse(null), status.offeredAt(now, silenceLimit), null);
    }

    NodeView withCredential(NodeCredentialView issued) {
        return new NodeView(id, operatorId, name, zone, interconnect, powerBudgetWatts, peakWatts, gpus, registeredAt,
                lastHeartbeatAt, offered, issued);
    }
}
