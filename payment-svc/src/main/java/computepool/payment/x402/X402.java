package computepool.payment.x402;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The x402 (version 1) documents a facilitator takes and answers, for the {@code exact} scheme on EVM. */
public final class X402 {

    public static final int VERSION = 1;
    public static final String EXACT = "exact";
    /** A field every x402 document carries: one left out is a malformed request (400), not an invalid payment. */
    static final String REQUIRED = "is required";

    private X402() {
    }

    public record Authorization(
            @NotNull(message = REQUIRED) String from,
            @NotNull(message = REQUIRED) String to,
            @NotNull(message = REQUIRED) String value,
            @NotNull(message = REQUIRED) String validAfter,
            @NotNull(message = REQUIRED) String validBefore,
            @NotNull(message = REQUIRED) String nonce) {
    }

    public record ExactEvmPayload(
            @NotNull(message = REQUIRED) String signature,
            @NotNull(message = REQUIRED) @Valid Authorization authorization) {
    }

    public record PaymentPayload(
            @NotNull(message = REQUIRED) Integer x402Version,
            @NotNull(message = REQUIRED) String scheme,
            @NotNull(message = REQUIRED) String network,
            @NotNull(message = REQUIRED) @Valid ExactEvmPayload payload) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirements(
            @NotNull(message = REQUIRED) String scheme,
            @NotNull(message = REQUIRED) String network,
            @NotNull(message = REQUIRED) String maxAmountRequired,
            @NotNull(message = REQUIRED) String resource,
            @NotNull(message = REQUIRED) String description,
            @NotNull(message = REQUIRED) String mimeType,
            @NotNull(message = REQUIRED) String payTo,
            @NotNull(message = REQUIRED) Integer maxTimeoutSeconds,
            @NotNull(message = REQUIRED) String asset,
            @Schema(nullable = true, description = "the scheme's own fields; absent or null when it has none")
            Map<String, Object> extra) {
    }

    public record FacilitatorRequest(
            @NotNull(message = REQUIRED) Integer x402Version,
            @NotNull(message = REQUIRED) @Valid PaymentPayload paymentPayload,
            @NotNull(message = REQUIRED) @Valid PaymentRequirements paymentRequirements) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerifyResponse(boolean isValid, String invalidReason, String payer) {

        static VerifyResponse invalid(String reason, String payer) {
            return new VerifyResponse(false, reason, payer);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SettleResponse(boolean success, String errorReason, String transaction, String network, String payer) {
    }

    public record Kind(int x402Version, String scheme, String network) {
    }

    public record Supported(List<Kind> kinds) {
    }
}
