package computepool.billing.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.time.Instant;

/** A new version of a model's price; without {@code validFrom} it takes effect now. */
public record NewPriceRequest(
        @NotBlank(message = "is required") @Size(max = 200, message = "must be at most 200 characters")
        String modelId,
        @NotNull(message = "is required") @PositiveOrZero(message = "must be zero or more")
        Long promptNanoUsdPerMillionTokens,
        @NotNull(message = "is required") @PositiveOrZero(message = "must be zero or more")
        Long completionNanoUsdPerMillionTokens,
        Instant validFrom) {
}
