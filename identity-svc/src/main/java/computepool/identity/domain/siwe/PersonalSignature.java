package computepool.identity.domain.siwe;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SignatureException;
import java.util.HexFormat;
import java.util.Locale;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * An Ethereum {@code personal_sign} signature (EIP-191 version 0x45: the message prefixed with
 * {@code "\x19Ethereum Signed Message:\n" + length}), as wallets sign Sign-In with Ethereum messages: 65 bytes
 * {@code r ‖ s ‖ v}, hex, {@code v} 27 or 28 (0 or 1 from some wallets).
 */
public final class PersonalSignature {

    private static final BigInteger HALF_ORDER = Sign.CURVE_PARAMS.getN().shiftRight(1);

    private PersonalSignature() {
    }

    /** The address (0x and 40 lowercase hex digits) whose key signed {@code message}; fails naming the signature. */
    public static String signer(String message, String signatureHex) {
        byte[] signature = bytes(signatureHex);
        byte v = signature[64];
        if (v == 0 || v == 1) {
            v += 27;
        }
        if (v != 27 && v != 28) {
            throw new InvalidSiweMessage("signature", "has a recovery id of " + signature[64] + "; expected 27 or 28");
        }
        byte[] r = java.util.Arrays.copyOfRange(signature, 0, 32);
        byte[] s = java.util.Arrays.copyOfRange(signature, 32, 64);
        // A high s is the same signature's twin (EIP-2): wallets never make one, so one seen was altered.
        if (new BigInteger(1, s).compareTo(HALF_ORDER) > 0) {
            throw new InvalidSiweMessage("signature", "has s in the upper half of the curve order (EIP-2)");
        }
        try {
            BigInteger key = Sign.signedPrefixedMessageToKey(message.getBytes(StandardCharsets.UTF_8),
                    new Sign.SignatureData(v, r, s));
            return "0x" + Keys.getAddress(key).toLowerCase(Locale.ROOT);
        } catch (SignatureException | IllegalArgumentException e) {
            throw new InvalidSiweMessage("signature", "does not recover to any key: " + e.getMessage());
        }
    }

    private static byte[] bytes(String hex) {
        if (hex == null) {
            throw new InvalidSiweMessage("signature", "is required");
        }
        String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if (!digits.matches("[0-9a-fA-F]{130}")) {
            throw new InvalidSiweMessage("signature", "is not 65 bytes of hex (0x and 130 digits)");
        }
        return HexFormat.of().parseHex(digits);
    }
}
