package computepool.billing.domain;

import java.time.Instant;
import java.util.Objects;

/** The price of one GPU-second of a type and tier from an instant on, in integer nano-USD. */
public record GpuPrice(GpuType gpuType, PriceTier tier, Instant validFrom, long nanoUsdPerGpuSecond) {

    public GpuPrice {
        Objects.requireNonNull(gpuType, "gpuType");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(validFrom, "validFrom");
        if (nanoUsdPerGpuSecond < 0) {
            throw new IllegalArgumentException("a price cannot be negative");
        }
    }
}
