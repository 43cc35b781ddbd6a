package computepool.market.orders;

import java.util.UUID;

/** GPUs of one sell given to a filled buy, at the sell's price, for the buy's hours. */
public record StoredFill(UUID sellOrderId, String operatorId, UUID nodeId, int gpuCount, long startHour, long endHour,
        long priceNanoUsd, long costNanoUsd) {
}
