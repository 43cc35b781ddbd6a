package computepool.market.matching;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A filled buy given up by its buyer: its GPUs go back to their sells from hour {@code fromHour}, the first that has
 * not begun.
 *
 * @param refundNanoUsd   what the hours given up cost, at the prices they were bought at
 * @param withdrawnResale the buyer's offer to resell those hours, taken out of the book with them
 * @param executions      resting buys that filled with the GPUs given back
 */
public record Cancellation(UUID buyOrderId, long fromHour, long refundNanoUsd, Optional<UUID> withdrawnResale,
        List<Execution> executions) {

    public Cancellation {
        executions = List.copyOf(executions);
    }
}
