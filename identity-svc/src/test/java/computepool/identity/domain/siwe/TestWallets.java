package computepool.identity.domain.siwe;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/** Wallets for tests: fresh keys, their addresses, and {@code personal_sign} signatures as wallets make them. */
public final class TestWallets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestWallets() {
    }

    public static ECKeyPair fresh() {
        return ECKeyPair.create(new BigInteger(256, RANDOM).max(BigInteger.ONE));
    }

    public static String address(ECKeyPair wallet) {
        return "0x" + Keys.getAddress(wallet);
    }

    /** {@code r ‖ s ‖ v} as 0x-hex, {@code v} 27 or 28. */
    public static String sign(String message, ECKeyPair wallet) {
        Sign.SignatureData signature = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), wallet);
        byte[] bytes = new byte[65];
        System.arraycopy(signature.getR(), 0, bytes, 0, 32);
        System.arraycopy(signature.getS(), 0, bytes, 32, 32);
        bytes[64] = signature.getV()[0];
        return "0x" + HexFormat.of().formatHex(bytes);
    }
}
