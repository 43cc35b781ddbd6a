package computepool.market.matching;

import static computepool.market.matching.OrderRejected.requireNonNull;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Node;
import java.util.Optional;
import java.util.UUID;

/**
 * An operator's offer of {@code gpuCount} cards of one model on one node for every hour of
 * {@code [startHour, endHour)}, at no less than {@code minPriceNanoUsdPerGpuHour}. Buyers may take any number of the
 * cards for any hours inside the span; each pays this price.
 *
 * @param startHour whole hours since the Unix epoch, as in {@link HourSpan}
 * @param sequence  when the order reached the market, as a number that only grows: among equal prices the lower
 *                  sequence sells first
 * @param resaleOf  set when a buyer resells hours of what it bought: the buy whose GPUs these are. Such a sell
 *                  offers GPUs its buyer holds already, so it draws on nothing else of the node
 * @throws OrderRejected naming the field at fault
 */
public record SellOrder(UUID id, Node node, GpuModel gpuModel, int gpuCount, long startHour, long endHour,
        long minPriceNanoUsdPerGpuHour, long sequence, Optional<UUID> resaleOf) {

    public SellOrder {
        requireNonNull(id, "id");
        requireNonNull(node, "node");
        requireNonNull(gpuModel, "gpuModel");
        requireNonNull(resaleOf, "resaleOf");
        int cards = node.gpus().stream().filter(group -> group.model() == gpuModel).mapToInt(GpuGroup::count).sum();
        if (cards == 0) {
            throw new OrderRejected("gpuModel", "node " + node.name() + " has no " + gpuModel + " cards");
        }
        if (gpuCount < 1) {
            throw new OrderRejected("gpuCount", "must be at least 1");
        }
        if (gpuCount > cards) {
            throw new OrderRejected("gpuCount", "node " + node.name() + " has only " + cards + " " + gpuModel
                    + " cards");
        }
        if (startHour < 0) {
            throw new OrderRejected("startHour", "must not be before the Unix epoch");
        }
        if (endHour <= startHour) {
            throw new OrderRejected("endHour", "must be after startHour");
        }
        if (minPriceNanoUsdPerGpuHour < 1) {
            throw new OrderRejected("minPriceNanoUsdPerGpuHour", "must be at least 1");
        }
        if (sequence < 1) {
            throw new OrderRejected("sequence", "must be at least 1");
        }
    }

    public boolean resale() {
        return resaleOf.isPresent();
    }

    public HourSpan span() {
        return new HourSpan(startHour, endHour);
    }
}
