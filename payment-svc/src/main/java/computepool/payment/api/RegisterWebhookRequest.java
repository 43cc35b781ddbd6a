package computepool.payment.api;

import computepool.payment.domain.WebhookUrl;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/** A webhook endpoint to register: where to send events, and which ones. */
public record RegisterWebhookRequest(
        @NotBlank(message = "must not be blank")
        @Size(max = WebhookUrl.MAX_LENGTH, message = "must be at most 2048 characters")
        String url,
        @NotNull(message = "is required")
        @Size(min = 1, max = 16, message = "must name 1 to 16 events")
        List<String> events) {
}
