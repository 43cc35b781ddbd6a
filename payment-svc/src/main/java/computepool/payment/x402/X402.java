package computepool.payment.x402;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The x402 (version 1) documents a facilitator takes and answers, for the {@code exact} scheme on EVM. */
public final class X402 {

    public static final int VERSION = 1;
    public static final String EXACT = "exact";

    private X402() {
    }

    public record Authorization(String from, String to, String value, String validAfter, String validBefore,
            String nonce) {
    }

    public record ExactEvmPayload(String signature, Authorization authorization) {
    }

    public record PaymentPayload(Integer x402Version, String scheme, String network, ExactEvmPayload payload) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirements(String scheme, String network, String maxAmountRequired, String resource,
            String description, String mimeType, String payTo, Integer maxTimeoutSeconds, String asset,
            Map<String, Object> extra) {
    }

    public record FacilitatorRequest(Integer x402Version, PaymentPayload paymentPayload,
            PaymentRequirements paymentRequirements) {
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
