package computepool.billing.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * The meters a developer's subsidised credit may pay for.
 *
 * @param meters for instance {@code ["inference.tokens"]}; empty for every meter
 */
public record SpendingLimitRequest(
        @NotNull(message = "is required (empty for every meter)")
        @Size(max = 20, message = "must name at most 20 meters")
        List<@NotNull(message = "must not be null") String> meters) {
}
