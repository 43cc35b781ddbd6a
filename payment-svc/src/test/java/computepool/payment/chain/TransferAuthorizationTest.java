package computepool.payment.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * EIP-712 hashing and signing of EIP-3009 authorizations against vectors computed by an independent implementation
 * (ethers 5's {@code _TypedDataEncoder} and {@code Wallet._signTypedData}) for the same domain, message and key.
 */
class TransferAuthorizationTest {

    private static final Eip712Domain DOMAIN =
            new Eip712Domain("ComputePool USD", "1", 31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static final Credentials PAYER =
            Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    private static final byte[] NONCE = filled((byte) 0xab);
    private static final TransferAuthorization AUTHORIZATION = new TransferAuthorization(PAYER.getAddress(),
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", BigInteger.valueOf(1_250_000), 1_700_000_000L,
            1_700_000_600L, NONCE);

    @Test
    void hashesTheDomainAndTheAuthorizationAsEip712Does() {
        assertEquals("0x6ed83e862aa4929c6d3e7055d7c2588869330d480dc53662a65a98c1c636e03d",
                Numeric.toHexString(DOMAIN.separator()));
        assertEquals("0x76f42702bd6c3f4b778d02f02b394bc6f920c19a053bbc36fc9007bc4c1ca5d2",
                Numeric.toHexString(DOMAIN.digest(AUTHORIZATION.structHash())));
    }

    @Test
    void signsWhatEthersSignsAndRecoversTheSigner() throws Exception {
        Sign.SignatureData signature = AUTHORIZATION.sign(PAYER, DOMAIN);

        assertEquals("0xba7f7a4332f790b19816516dda445c288643173330df72e6079fa276225ad597"
                + "445183967db111554f632b8460d6841b4225ff952cda77534d358e4bff7dbc05" + "1b",
                Numeric.toHexString(signature.getR()) + Numeric.toHexStringNoPrefix(signature.getS())
                        + Numeric.toHexStringNoPrefix(signature.getV()));
        assertEquals("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", AUTHORIZATION.signer(DOMAIN, signature));
    }

    @Test
    void aChangedFieldOrDomainRecoversSomeoneElse() throws Exception {
        Sign.SignatureData signature = AUTHORIZATION.sign(PAYER, DOMAIN);
        TransferAuthorization moreValue = new TransferAuthorization(AUTHORIZATION.from(), AUTHORIZATION.to(),
                BigInteger.valueOf(1_250_001), AUTHORIZATION.validAfter(), AUTHORIZATION.validBefore(), NONCE);
        TransferAuthorization otherNonce = new TransferAuthorization(AUTHORIZATION.from(), AUTHORIZATION.to(),
                AUTHORIZATION.value(), AUTHORIZATION.validAfter(), AUTHORIZATION.validBefore(), filled((byte) 1));
        Eip712Domain otherChain = new Eip712Domain(DOMAIN.name(), DOMAIN.version(), 1, DOMAIN.verifyingContract());

        assertNotEquals(PAYER.getAddress(), moreValue.signer(DOMAIN, signature));
        assertNotEquals(PAYER.getAddress(), otherNonce.signer(DOMAIN, signature));
        assertNotEquals(PAYER.getAddress(), AUTHORIZATION.signer(otherChain, signature));
    }

    @Test
    void refusesANonceThatIsNot32BytesAndKeepsItsOwnCopy() {
        assertThrows(IllegalArgumentException.class, () -> new TransferAuthorization(PAYER.getAddress(),
                AUTHORIZATION.to(), BigInteger.ONE, 0, 1, new byte[31]));
        byte[] nonce = filled((byte) 7);
        TransferAuthorization authorization = new TransferAuthorization(PAYER.getAddress(), AUTHORIZATION.to(),
                BigInteger.ONE, 0, 1, nonce);
        nonce[0] = 0;
        assertEquals(7, authorization.nonce()[0]);
    }

    private static byte[] filled(byte value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, value);
        return bytes;
    }
}
