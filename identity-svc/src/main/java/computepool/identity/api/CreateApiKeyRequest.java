package computepool.identity.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;

/**
 * A new API key.
 *
 * @param scopes    what the key may be used for; absent means {@code ["inference"]}
 * @param expiresAt when the key stops working; absent for a key that does not expire
 */
public record CreateApiKeyRequest(
        @NotNull(message = "is required")
        @Size(min = 1, max = 100, message = "must be 1 to 100 characters")
        @Pattern(regexp = "(?s).*\\S.*", message = "must not be blank")
        String name,
        @Size(min = 1, message = "must name at least one scope when present")
        List<@NotNull(message = "must not contain null") String> scopes,
        Instant expiresAt) {
}
