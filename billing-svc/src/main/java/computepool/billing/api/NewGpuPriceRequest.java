package computepool.billing.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Instant;

/**
 * A new version of the price of a GPU-second; without {@code validFrom} it takes effect now.
 *
 * @param gpuType one of the catalogue: RTX_3090, RTX_4090, L40S, A100_80GB, H100_80GB, H200
 * @param tier    ON_DEMAND or SPOT
 */
public record NewGpuPriceRequest(
        @NotNull(message = "is required") String gpuType,
        @NotNull(message = "is required") String tier,
        @NotNull(message = "is required") @PositiveOrZero(message = "must be zero or more") Long nanoUsdPerGpuSecond,
        Instant validFrom) {
}
