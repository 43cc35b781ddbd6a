package computepool.billing.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Instant;

/** A new platform fee share in basis points (1,000 = 10 %); without {@code validFrom} it takes effect now. */
public record NewPlatformFeeRequest(
        @NotNull(message = "is required")
        @Min(value = 0, message = "must be 0 to 10000")
        @Max(value = 10_000, message = "must be 0 to 10000")
        Integer basisPoints,
        Instant validFrom) {
}
