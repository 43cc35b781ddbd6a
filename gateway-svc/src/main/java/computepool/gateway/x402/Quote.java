package computepool.gateway.x402;

import java.util.Map;

/**
 * What one request costs and how to pay it, written as either version of x402 writes requirements.
 *
 * @param amount in the asset's smallest unit
 * @param extra the scheme's hints to the payer: for {@code exact} on EVM, the token's EIP-712 name and version
 */
public record Quote(String network, String amount, String url, String description, String mimeType, String payTo,
        int maxTimeoutSeconds, String asset, Map<String, Object> extra) {

    X402.PaymentRequirementsV1 v1() {
        return new X402.PaymentRequirementsV1(X402.EXACT, network, amount, url, description, mimeType, payTo,
                maxTimeoutSeconds, asset, extra);
    }

    X402.PaymentRequirementsV2 v2() {
        return new X402.PaymentRequirementsV2(X402.EXACT, network, amount, asset, payTo, maxTimeoutSeconds, extra);
    }

    X402.ResourceInfo resource() {
        return new X402.ResourceInfo(url, description, mimeType);
    }
}
