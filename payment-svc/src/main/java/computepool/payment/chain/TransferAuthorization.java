package computepool.payment.chain;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * An EIP-3009 {@code TransferWithAuthorization}: the holder {@code from} allows anyone to move {@code value} base
 * units of the token to {@code to}, once (per random {@code nonce}), strictly between {@code validAfter} and
 * {@code validBefore} (seconds since the epoch, compared with the block's timestamp). This is what an x402 payment
 * carries.
 */
public record TransferAuthorization(String from, String to, BigInteger value, long validAfter, long validBefore,
        byte[] nonce) {

    private static final byte[] TYPE_HASH = Eip712Domain.keccak("TransferWithAuthorization(address from,address to,"
            + "uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)");

    public TransferAuthorization {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(value, "value");
        if (nonce.length != 32) {
            throw new IllegalArgumentException("the nonce has 32 bytes, not " + nonce.length);
        }
        nonce = nonce.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    public byte[] structHash() {
        return Hash.sha3(Eip712Domain.Abi.words(
                TYPE_HASH,
                Eip712Domain.Abi.address(from),
                Eip712Domain.Abi.address(to),
                Eip712Domain.Abi.uint256(value),
                Eip712Domain.Abi.uint256(BigInteger.valueOf(validAfter)),
                Eip712Domain.Abi.uint256(BigInteger.valueOf(validBefore)),
                nonce));
    }

    public Sign.SignatureData sign(Credentials signer, Eip712Domain domain) {
        return Sign.signMessage(domain.digest(structHash()), signer.getEcKeyPair(), false);
    }

    /** The address whose key made {@code signature} over this authorization, 0x and lower-case hex. */
    public String signer(Eip712Domain domain, Sign.SignatureData signature) throws java.security.SignatureException {
        BigInteger publicKey = Sign.signedMessageHashToKey(domain.digest(structHash()), signature);
        return Numeric.prependHexPrefix(Keys.getAddress(publicKey));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TransferAuthorization that
                && from.equalsIgnoreCase(that.from) && to.equalsIgnoreCase(that.to) && value.equals(that.value)
                && validAfter == that.validAfter && validBefore == that.validBefore
                && Arrays.equals(nonce, that.nonce);
    }

    @Override
    public int hashCode() {
        return Objects.hash(from.toLowerCase(java.util.Locale.ROOT), to.toLowerCase(java.util.Locale.ROOT), value,
                validAfter, validBefore, Arrays.hashCode(nonce));
    }

    @Override
    public String toString() {
        return "TransferAuthorization[from=" + from + ", to=" + to + ", value=" + value + ", validAfter=" + validAfter
                + ", validBefore=" + validBefore + ", nonce=" + Numeric.toHexString(nonce) + "]";
    }
}
