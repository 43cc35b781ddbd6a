package computepool.market.matching;

import computepool.market.domain.GpuModel;
import java.util.UUID;

/**
 * GPUs of one sell given to one buy for the buy's whole span, at the sell's price (or, for a spot bid, the clearing
 * price of its fill).
 *
 * @param costNanoUsd {@code priceNanoUsdPerGpuHour × gpuCount × span.hours()}
 */
public record Fill(UUID buyOrderId, UUID sellOrderId, UUID nodeId, GpuModel gpuModel, int gpuCount, HourSpan span,
        long priceNanoUsdPerGpuHour, long costNanoUsd) {

    /** At {@code price}: the sell's own, or a spot bid's clearing price. */
    static Fill of(BuyOrder buy, SellOrder sell, int gpuCount, long price) {
        long cost = Math.multiplyExact(Math.multiplyExact(price, gpuCount), buy.span().hours());
        return new Fill(buy.id(), sell.id(), sell.node().id(), buy.gpuModel(), gpuCount, buy.span(), price, cost);
    }
}
