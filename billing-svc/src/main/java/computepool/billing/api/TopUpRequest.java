package computepool.billing.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Money into a developer's wallet.
 *
 * @param wallet    {@code paid} (money the developer paid) or {@code subsidised} (credit the platform grants)
 * @param reference what the top-up is for (a payment id, a grant); a reference is booked once
 */
public record TopUpRequest(
        @NotNull(message = "is required")
        @Pattern(regexp = "paid|subsidised", message = "must be paid or subsidised")
        String wallet,
        @NotNull(message = "is required")
        @Min(value = 1, message = "must be at least 1")
        @Max(value = 1_000_000_000_000_000L, message = "must be at most 1000000000000000 (one million USD)")
        Long amountNanoUsd,
        @NotBlank(message = "is required")
        @Size(max = 200, message = "must be at most 200 characters")
        String reference) {
}
