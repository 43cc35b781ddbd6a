package computepool.market.orders;

import java.util.UUID;

/**
 * GPUs of one sell given to a filled buy, at the sell's price (a spot bid's clearing price), for the buy's hours.
 *
 * @param operatorId the node's operator
 * @param sellerId   who is paid: the operator, or the buyer reselling hours it holds
 */
public record StoredFill(UUID sellOrderId, String operatorId, String sellerId, UUID nodeId, int gpuCount,
        long startHour, long endHour, long priceNanoUsd, long costNanoUsd) {
}
