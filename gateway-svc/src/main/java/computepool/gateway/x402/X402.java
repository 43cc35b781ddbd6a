package computepool.gateway.x402;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The x402 (version 1) documents the gateway sends and reads, named as the protocol names them (camelCase). */
public final class X402 {

    public static final int VERSION = 1;
    public static final String EXACT = "exact";
    /** The client's signed payment: base64 of a {@code PaymentPayload} JSON document. */
    public static final String PAYMENT_HEADER = "X-PAYMENT";
    /** The gateway's answer about the settlement: base64 of a {@link SettleResponse} JSON document. */
    public static final String PAYMENT_RESPONSE_HEADER = "X-PAYMENT-RESPONSE";

    private X402() {
    }

    /** What a request costs and how to pay it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirements(String scheme, String network, String maxAmountRequired, String resource,
            String description, String mimeType, String payTo, int maxTimeoutSeconds, String asset,
            Map<String, Object> extra) {
    }

    /** The body of a 402 answer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequired(int x402Version, String error, List<PaymentRequirements> accepts) {
    }

    /** What the gateway asks the facilitator: the client's payment, passed on as it came, and what it must pay. */
    public record FacilitatorRequest(int x402Version, JsonNode paymentPayload,
            PaymentRequirements paymentRequirements) {
    }

    public record VerifyResponse(@JsonProperty("isValid") boolean isValid, String invalidReason, String payer) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SettleResponse(boolean success, String errorReason, String transaction, String network,
            String payer) {
    }
}
