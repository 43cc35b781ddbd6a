package computepool.market.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered node and when its agent last said it is up. Only a node heard from recently is offered to buyers: one
 * never heard from, or silent for longer than the limit, may have lost power or its network.
 */
public record NodeStatus(Node node, Optional<Instant> lastHeartbeatAt) {

    public NodeStatus {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt");
    }

    /** Whether the node was heard from within {@code silenceLimit} before {@code now}. */
    public boolean offeredAt(Instant now, Duration silenceLimit) {
        return lastHeartbeatAt.map(heard -> !heard.plus(silenceLimit).isBefore(now)).orElse(false);
    }
}
