package computepool.journeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.crypto.StructuredDataEncoder;
import org.web3j.utils.Numeric;

/**
 * An agent's wallet paying x402 {@code exact} requirements the way an x402 client does: an EIP-3009
 * {@code TransferWithAuthorization} for exactly the amount asked, signed as EIP-712 typed data by web3j's own encoder
 * (independent of the platform's), wrapped in the base64 {@code X-PAYMENT} document.
 */
final class X402Wallet {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Credentials key;

    private X402Wallet(Credentials key) {
        this.key = key;
    }

    static X402Wallet create() throws Exception {
        return new X402Wallet(Credentials.create(Keys.createEcKeyPair()));
    }

    String address() {
        return key.getAddress();
    }

    Credentials credentials() {
        return key;
    }

    /** The key as 0x-prefixed hex, as wallets and the x402 SDKs take it. */
    String privateKey() {
        return Numeric.toHexStringWithPrefixZeroPadded(key.getEcKeyPair().getPrivateKey(), 64);
    }

    /** A voucher as a well-behaved client signs it: the amount asked, valid from a minute ago until the timeout. */
    String pay(JsonNode requirements, long chainId) throws Exception {
        long now = Instant.now().getEpochSecond();
        return voucher(requirements, chainId, new BigInteger(requirements.get("maxAmountRequired").asText()),
                now - 60, now + requirements.get("maxTimeoutSeconds").asLong(), key);
    }

    /** A voucher with its terms as given: for clients that get them wrong. */
    String voucher(JsonNode requirements, long chainId, BigInteger value, long validAfter, long validBefore,
            Credentials signer) throws Exception {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        ObjectNode authorization = JSON.createObjectNode()
                .put("from", address())
                .put("to", requirements.get("payTo").asText())
                .put("value", value.toString())
                .put("validAfter", Long.toString(validAfter))
                .put("validBefore", Long.toString(validBefore))
                .put("nonce", Numeric.toHexString(nonce));
        ObjectNode typed = JSON.createObjectNode();
        ObjectNode types = typed.putObject("types");
        types.putArray("EIP712Domain")
                .add(field("name", "string")).add(field("version", "string"))
                .add(field("chainId", "uint256")).add(field("verifyingContract", "address"));
        types.putArray("TransferWithAuthorization")
                .add(field("from", "address")).add(field("to", "address")).add(field("value", "uint256"))
                .add(field("validAfter", "uint256")).add(field("validBefore", "uint256"))
                .add(field("nonce", "bytes32"));
        typed.put("primaryType", "TransferWithAuthorization");
        typed.putObject("domain")
                .put("name", requirements.get("extra").get("name").asText())
                .put("version", requirements.get("extra").get("version").asText())
                .put("chainId", chainId)
                .put("verifyingContract", requirements.get("asset").asText());
        typed.set("message", authorization);
        byte[] digest = new StructuredDataEncoder(JSON.writeValueAsString(typed)).hashStructuredData();
        Sign.SignatureData signature = Sign.signMessage(digest, signer.getEcKeyPair(), false);
        byte[] rsv = new byte[65];
        System.arraycopy(signature.getR(), 0, rsv, 0, 32);
        System.arraycopy(signature.getS(), 0, rsv, 32, 32);
        rsv[64] = signature.getV()[0];
        ObjectNode payment = JSON.createObjectNode()
                .put("x402Version", 1)
                .put("scheme", "exact")
                .put("network", requirements.get("network").asText());
        payment.putObject("payload").put("signature", Numeric.toHexString(rsv)).set("authorization", authorization);
        return Base64.getEncoder().encodeToString(JSON.writeValueAsString(payment).getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode field(String name, String type) {
        return JSON.createObjectNode().put("name", name).put("type", type);
    }
}
