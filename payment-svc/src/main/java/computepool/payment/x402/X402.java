package computepool.payment.x402;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The x402 documents a facilitator takes and answers, for the {@code exact} scheme on EVM, in both versions of the
 * protocol: version 1 (requirements with {@code maxAmountRequired} and the resource inline) and version 2 (requirements
 * with {@code amount}, the resource apart, the payload carrying the requirements it {@code accepted}).
 */
public final class X402 {

    public static final int V1 = 1;
    public static final int V2 = 2;
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

    /**
     * What a facilitator request pays and asks, read alike whichever version carried it.
     *
     * @param paidScheme the scheme the payment says it pays by
     * @param paidNetwork the network the payment says it pays on
     * @param amount the amount required, in the asset's smallest unit
     * @param resource what the payment is for, as the resource server named it (version 2 may leave it out)
     */
    public record Voucher(int version, String paidScheme, String paidNetwork, ExactEvmPayload exact, String scheme,
            String network, String amount, String asset, String payTo, Integer maxTimeoutSeconds,
            boolean acceptedAsRequired, String resource) {

        /**
         * SHA-256 (hex) of what was required: version, scheme, network, amount, asset, payee and resource. A settlement
         * is bound to it, so one payment cannot be settled again as the payment for something else.
         */
        public String requirementsDigest() {
            String canonical = String.join("\n", Integer.toString(version), scheme, network, amount,
                    asset.toLowerCase(Locale.ROOT), payTo.toLowerCase(Locale.ROOT), resource == null ? "" : resource);
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(canonical.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
    }

    /** A request to {@code /verify} or {@code /settle}, of either version. */
    public sealed interface FacilitatorRequest permits FacilitatorRequestV1, FacilitatorRequestV2 {

        Voucher voucher();
    }

    // Version 1.

    public record PaymentPayloadV1(
            @NotNull(message = REQUIRED) @Min(V1) @Max(V1) Integer x402Version,
            @NotNull(message = REQUIRED) String scheme,
            @NotNull(message = REQUIRED) String network,
            @NotNull(message = REQUIRED) @Valid ExactEvmPayload payload) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirementsV1(
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

    public record FacilitatorRequestV1(
            @NotNull(message = REQUIRED) @Min(V1) @Max(V1) Integer x402Version,
            @NotNull(message = REQUIRED) @Valid PaymentPayloadV1 paymentPayload,
            @NotNull(message = REQUIRED) @Valid PaymentRequirementsV1 paymentRequirements) implements FacilitatorRequest {

        @Override
        public Voucher voucher() {
            PaymentRequirementsV1 required = paymentRequirements;
            return new Voucher(paymentPayload.x402Version(), paymentPayload.scheme(), paymentPayload.network(),
                    paymentPayload.payload(), required.scheme(), required.network(), required.maxAmountRequired(),
                    required.asset(), required.payTo(), required.maxTimeoutSeconds(), true, required.resource());
        }
    }

    // Version 2.

    public record ResourceInfo(
            @NotNull(message = REQUIRED) String url,
            @Schema(nullable = true) String description,
            @Schema(nullable = true) String mimeType) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentRequirementsV2(
            @NotNull(message = REQUIRED) String scheme,
            @NotNull(message = REQUIRED) String network,
            @NotNull(message = REQUIRED) String amount,
            @NotNull(message = REQUIRED) String asset,
            @NotNull(message = REQUIRED) String payTo,
            @NotNull(message = REQUIRED) Integer maxTimeoutSeconds,
            @Schema(nullable = true, description = "the scheme's own fields; absent or null when it has none")
            Map<String, Object> extra) {

        /** The same payment asked: extra, the scheme's hints to the payer, may differ. */
        boolean asks(PaymentRequirementsV2 other) {
            return scheme.equals(other.scheme) && network.equals(other.network) && amount.equals(other.amount)
                    && asset.equalsIgnoreCase(other.asset) && payTo.equalsIgnoreCase(other.payTo);
        }
    }

    public record PaymentPayloadV2(
            @NotNull(message = REQUIRED) @Min(V2) @Max(V2) Integer x402Version,
            @Schema(nullable = true) @Valid ResourceInfo resource,
            @NotNull(message = REQUIRED) @Valid PaymentRequirementsV2 accepted,
            @NotNull(message = REQUIRED) @Valid ExactEvmPayload payload,
            @Schema(nullable = true, description = "the extensions the payer answers; none are required here")
            Map<String, Object> extensions) {
    }

    public record FacilitatorRequestV2(
            @NotNull(message = REQUIRED) @Min(V2) @Max(V2) Integer x402Version,
            @NotNull(message = REQUIRED) @Valid PaymentPayloadV2 paymentPayload,
            @NotNull(message = REQUIRED) @Valid PaymentRequirementsV2 paymentRequirements) implements FacilitatorRequest {

        @Override
        public Voucher voucher() {
            PaymentRequirementsV2 accepted = paymentPayload.accepted();
            PaymentRequirementsV2 required = paymentRequirements;
            return new Voucher(paymentPayload.x402Version(), accepted.scheme(), accepted.network(),
                    paymentPayload.payload(), required.scheme(), required.network(), required.amount(),
                    required.asset(), required.payTo(), required.maxTimeoutSeconds(), accepted.asks(required),
                    paymentPayload.resource() == null ? null : paymentPayload.resource().url());
        }
    }

    // Answers, the same shape in both versions.

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerifyResponse(boolean isValid, String invalidReason, String payer) {

        static VerifyResponse invalid(String reason, String payer) {
            return new VerifyResponse(false, reason, payer);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SettleResponse(boolean success, String errorReason, String transaction, String network, String payer) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Kind(int x402Version, String scheme, String network) {
    }

    /**
     * What this facilitator settles.
     *
     * @param extensions the x402 extensions it supports (none)
     * @param signers by CAIP-2 family, the addresses that submit its settlements
     */
    public record Supported(List<Kind> kinds, List<String> extensions, Map<String, List<String>> signers) {
    }
}
