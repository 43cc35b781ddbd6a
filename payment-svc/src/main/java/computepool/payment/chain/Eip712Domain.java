package computepool.payment.chain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The EIP-712 domain of a token's signed authorizations: what a signature is bound to, so that it cannot be replayed
 * on another token, another version of it or another chain.
 */
public record Eip712Domain(String name, String version, long chainId, String verifyingContract) {

    private static final byte[] TYPE_HASH = keccak(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    public Eip712Domain {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        // Addresses compare as lower-case hex; the checksum casing (EIP-55) is presentation only.
        verifyingContract = verifyingContract.toLowerCase(Locale.ROOT);
    }

    /** The domain separator, as the contract's DOMAIN_SEPARATOR() returns it. */
    public byte[] separator() {
        return Hash.sha3(Abi.words(
                TYPE_HASH,
                keccak(name),
                keccak(version),
                Abi.uint256(BigInteger.valueOf(chainId)),
                Abi.address(verifyingContract)));
    }

    /** The digest a signer signs for a struct of this domain: keccak256(0x1901 ‖ separator ‖ structHash). */
    public byte[] digest(byte[] structHash) {
        byte[] prefixed = new byte[2 + 32 + 32];
        prefixed[0] = 0x19;
        prefixed[1] = 0x01;
        System.arraycopy(separator(), 0, prefixed, 2, 32);
        System.arraycopy(structHash, 0, prefixed, 34, 32);
        return Hash.sha3(prefixed);
    }

    static byte[] keccak(String text) {
        return Hash.sha3(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Static ABI encoding of 32-byte words, which is all EIP-712 struct hashes need here. */
    static final class Abi {

        private Abi() {
        }

        static byte[] words(byte[]... words) {
            byte[] encoded = new byte[32 * words.length];
            for (int i = 0; i < words.length; i++) {
                if (words[i].length != 32) {
                    throw new IllegalArgumentException("an ABI word has 32 bytes, not " + words[i].length);
                }
                System.arraycopy(words[i], 0, encoded, 32 * i, 32);
            }
            return encoded;
        }

        static byte[] uint256(BigInteger value) {
            if (value.signum() < 0 || value.bitLength() > 256) {
                throw new IllegalArgumentException("not a uint256: " + value);
            }
            return Numeric.toBytesPadded(value, 32);
        }

        static byte[] address(String address) {
            byte[] bytes = Numeric.hexStringToByteArray(address);
            if (bytes.length != 20) {
                throw new IllegalArgumentException("an address has 20 bytes: " + address);
            }
            byte[] word = new byte[32];
            System.arraycopy(bytes, 0, word, 12, 20);
            return word;
        }
    }
}
