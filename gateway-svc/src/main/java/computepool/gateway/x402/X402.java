package computepool.gateway.x402;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The x402 documents the gateway sends and reads, named as the protocol names them (camelCase), in both versions:
 * version 1 (the 402 body, {@code X-PAYMENT}, {@code X-PAYMENT-RESPONSE}) and version 2 (the {@code PAYMENT-*}
 * headers, requirements with {@code amount}, the resource apart).
 */
public final class X402 {

    public static final int V1 = 1;
    public static final int V2 = 2;
    public static final String EXACT = "exact";
    /** Version 1's signed payment: base64 of a {@code PaymentPayload} JSON document. */
    public static final String V1_PAYMENT_HEADER = "X-PAYMENT";
    /** Version 1's answer about the settlement: base64 of a {@link SettleResponse} JSON document. */
    public static final String V1_PAYMENT_RESPONSE_HEADER = "X-PAYMENT-RESPONSE";
    /** Version 2's requirements on a 402: base64 of a {@link PaymentRequiredV2} JSON document. */
    public static final String PAYMENT_REQUIRED_HEADER = "PAYMENT-REQUIRED";
    /** Version 2's signed payment: base64 of a {@code PaymentPayload} JSON document. */
    public static final String PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE";
    /** Version 2's answer about the settlement: base64 of a {@link SettleResponse} JSON document. */
    public static final String PAYMENT_RESPONSE_HEADER = "PAYMENT-RESPONSE";

    private X402() {
    }

    /** Version 1: what a request costs and how to pay it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirementsV1(String scheme, String network, String maxAmountRequired, String resource,
            String description, String mimeType, String payTo, int maxTimeoutSeconds, String asset,
            Map<String, Object> extra) {
    }

    /** Version 1: the body of a 402 answer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequiredV1(int x402Version, String error, List<PaymentRequirementsV1> accepts) {
    }

    /** Version 2: the resource a payment is for. */
    public record ResourceInfo(String url, String description, String mimeType) {
    }

    /** Version 2: what a request costs and how to pay it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirementsV2(String scheme, String network, String amount, String asset, String payTo,
            int maxTimeoutSeconds, Map<String, Object> extra) {
    }

    /** Version 2: the {@code PAYMENT-REQUIRED} document of a 402 answer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequiredV2(int x402Version, String error, ResourceInfo resource,
            List<PaymentRequirementsV2> accepts) {
    }

    /** Version 2: the payment, as the gateway passes it on: the parts a facilitator reads, nothing else. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentPayloadV2(int x402Version, ResourceInfo resource, PaymentRequirementsV2 accepted,
            JsonNode payload, Map<String, Object> extensions) {
    }

    /**
     * What the gateway asks the facilitator: the client's payment and what it must pay, both of one version.
     *
     * @param paymentRequirements a {@link PaymentRequirementsV1} or a {@link PaymentRequirementsV2}
     */
    public record FacilitatorRequest(int x402Version, Object paymentPayload, Object paymentRequirements) {
    }

    public record VerifyResponse(@JsonProperty("isValid") boolean isValid, String invalidReason, String payer) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SettleResponse(boolean success, String errorReason, String transaction, String network,
            String payer) {
    }
}
