package computepool.payment.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.chain.contracts.ComputePoolUsd;
import computepool.chain.contracts.ISuperToken;
import computepool.localstack.quarkus.LocalStackTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;

/**
 * The contracts the local stack deployed, driven through their web3j wrappers: the token's EIP-3009 authorizations
 * signed here in Java, and the super token wrapping it.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "payment_test"))
class ChainContractsTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BigInteger UNIT = BigInteger.TEN.pow(6);

    @Inject
    Chain chain;

    @Inject
    ChainActions actions;

    @Inject
    ChainActionStore store;

    @Test
    void theTokenAndItsSuperTokenAreTheConfiguredOnesWithTheirDecimals() throws Exception {
        ComputePoolUsd token = chain.token();

        assertEquals(BigInteger.valueOf(6), token.decimals().send());
        assertEquals("cpUSD", token.symbol().send());
        assertEquals(chain.treasury().getAddress(), token.owner().send().toLowerCase());
        assertEquals(BigInteger.valueOf(18), chain.superToken().decimals().send());
        assertEquals(chain.config().tokenAddress().toLowerCase(), chain.superToken().getUnderlyingToken().send().toLowerCase());
        assertEquals(new Eip712Domain("ComputePool USD", "1", chain.config().chainId(), chain.config().tokenAddress()),
                chain.tokenDomain());
        assertArrayEquals(token.DOMAIN_SEPARATOR().send(), chain.tokenDomain().separator(),
                "the domain separator computed here differs from the token's");
    }

    @Test
    void aSignedAuthorizationMovesTheTokensOnceWhoeverSubmitsIt() throws Exception {
        Credentials payer = funded(UNIT.multiply(BigInteger.valueOf(5)));
        String payee = newAddress();
        TransferAuthorization authorization = authorization(payer, payee, BigInteger.valueOf(1_250_000), 600);
        Sign.SignatureData signature = authorization.sign(payer, chain.tokenDomain());

        assertEquals(payer.getAddress(), authorization.signer(chain.tokenDomain(), signature));
        TransactionReceipt receipt = submit(authorization, signature);

        assertTrue(receipt.isStatusOK());
        assertEquals(1, chain.token().getAuthorizationUsedEvents(receipt).size());
        assertEquals(BigInteger.valueOf(1_250_000), balance(payee));
        assertEquals(BigInteger.valueOf(3_750_000), balance(payer.getAddress()));
        assertTrue(chain.token().authorizationState(payer.getAddress(), authorization.nonce()).send());

        assertEquals(error("AuthorizationAlreadyUsed(address,bytes32)"), revertSelector(authorization, signature));
        assertThrows(TransactionException.class, () -> submit(authorization, signature));
        assertEquals(BigInteger.valueOf(1_250_000), balance(payee));
        assertEquals(BigInteger.valueOf(3_750_000), balance(payer.getAddress()));
    }

    @Test
    void refusesAnAuthorizationOutsideItsWindowAlteredOrSignedByAnother() throws Exception {
        Credentials payer = funded(UNIT);
        String payee = newAddress();
        long now = Instant.now().getEpochSecond();
        byte[] nonce = randomNonce();
        TransferAuthorization expired = new TransferAuthorization(payer.getAddress(), payee, UNIT, now - 600, now - 60, nonce);
        TransferAuthorization notYetValid = new TransferAuthorization(payer.getAddress(), payee, UNIT, now + 600, now + 1200, nonce);
        TransferAuthorization signed = authorization(payer, payee, BigInteger.valueOf(100), 600);
        TransferAuthorization altered = new TransferAuthorization(signed.from(), signed.to(), UNIT, signed.validAfter(),
                signed.validBefore(), signed.nonce());
        Credentials stranger = Credentials.create(Keys.createEcKeyPair());

        assertEquals(error("AuthorizationExpired(uint256,uint256)"),
                revertSelector(expired, expired.sign(payer, chain.tokenDomain())));
        assertEquals(error("AuthorizationNotYetValid(uint256,uint256)"),
                revertSelector(notYetValid, notYetValid.sign(payer, chain.tokenDomain())));
        assertEquals(error("InvalidSignature(address,address)"),
                revertSelector(altered, signed.sign(payer, chain.tokenDomain())));
        assertEquals(error("InvalidSignature(address,address)"),
                revertSelector(signed, signed.sign(stranger, chain.tokenDomain())));
        assertEquals(UNIT, balance(payer.getAddress()));
        assertEquals(BigInteger.ZERO, balance(payee));
        assertFalse(chain.token().authorizationState(payer.getAddress(), nonce).send());
    }

    @Test
    void aHolderWrapsTokensIntoSuperTokensAtTenToTheTwelvePerBaseUnit() throws Exception {
        Credentials holder = funded(UNIT.multiply(BigInteger.valueOf(3)));
        setGasBalance(holder.getAddress());
        TransactionManager sender = new RawTransactionManager(chain.web3j(), holder, chain.config().chainId(),
                new PollingTransactionReceiptProcessor(chain.web3j(), 100, 300));
        BigInteger amount = UNIT.multiply(BigInteger.TWO);
        BigInteger wrappedBefore = balance(chain.config().superTokenAddress());

        ComputePoolUsd.load(chain.config().tokenAddress(), chain.web3j(), sender, new DefaultGasProvider())
                .approve(chain.config().superTokenAddress(), amount).send();
        ISuperToken.load(chain.config().superTokenAddress(), chain.web3j(), sender, new DefaultGasProvider())
                .upgrade(amount.multiply(BigInteger.TEN.pow(12))).send();

        assertEquals(UNIT, balance(holder.getAddress()));
        assertEquals(amount.multiply(BigInteger.TEN.pow(12)), chain.superToken().balanceOf(holder.getAddress()).send());
        assertEquals(amount, balance(chain.config().superTokenAddress()).subtract(wrappedBefore));
    }

    /** Gives an account ether for gas, by anvil's own JSON-RPC method. */
    private void setGasBalance(String address) throws Exception {
        HttpService rpc = new HttpService(chain.config().rpcUrl().toString());
        new Request<>("anvil_setBalance", List.of(address, "0xde0b6b3a7640000"), rpc, VoidResponse.class).send();
    }

    /** A fresh account holding {@code amount} of the token, sent by the treasury through a chain action. */
    private Credentials funded(BigInteger amount) throws Exception {
        Credentials holder = Credentials.create(Keys.createEcKeyPair());
        ChainAction funding = actions.transferFromTreasury("test-fund-" + holder.getAddress(), holder.getAddress(), amount);
        assertEquals(ChainAction.State.CONFIRMED, ChainTestSupport.awaitSettled(store, funding.id()).state());
        return holder;
    }

    private TransferAuthorization authorization(Credentials payer, String payee, BigInteger value, long validForSeconds) {
        long now = Instant.now().getEpochSecond();
        return new TransferAuthorization(payer.getAddress(), payee, value, now - 60, now + validForSeconds, randomNonce());
    }

    /** Submitted by a relayer with gas of its own: an authorization needs none from its signer. */
    private TransactionReceipt submit(TransferAuthorization authorization, Sign.SignatureData signature) throws Exception {
        return transferCall(relayer(), authorization, signature).send();
    }

    private ComputePoolUsd relayer() throws Exception {
        if (relayer == null) {
            Credentials account = Credentials.create(Keys.createEcKeyPair());
            setGasBalance(account.getAddress());
            relayer = ComputePoolUsd.load(chain.config().tokenAddress(), chain.web3j(), new RawTransactionManager(
                    chain.web3j(), account, chain.config().chainId(),
                    new PollingTransactionReceiptProcessor(chain.web3j(), 100, 300)), new DefaultGasProvider());
        }
        return relayer;
    }

    private ComputePoolUsd relayer;

    private static org.web3j.protocol.core.RemoteFunctionCall<TransactionReceipt> transferCall(ComputePoolUsd token,
            TransferAuthorization authorization, Sign.SignatureData signature) {
        return token.transferWithAuthorization(authorization.from(), authorization.to(), authorization.value(),
                BigInteger.valueOf(authorization.validAfter()), BigInteger.valueOf(authorization.validBefore()),
                authorization.nonce(), BigInteger.valueOf(Byte.toUnsignedInt(signature.getV()[0])), signature.getR(),
                signature.getS());
    }

    /** The selector of the custom error a call of transferWithAuthorization reverts with, or "" when it would succeed. */
    private String revertSelector(TransferAuthorization authorization, Sign.SignatureData signature) throws Exception {
        EthCall call = chain.web3j().ethCall(Transaction.createEthCallTransaction(chain.treasury().getAddress(),
                chain.config().tokenAddress(), transferCall(chain.token(), authorization, signature).encodeFunctionCall()),
                DefaultBlockParameterName.LATEST).send();
        if (!call.hasError()) {
            return "";
        }
        String data = String.valueOf(call.getError().getData()).replace("\"", "");
        return data.length() >= 10 ? data.substring(0, 10) : data;
    }

    private static String error(String signature) {
        return Hash.sha3String(signature).substring(0, 10);
    }

    private BigInteger balance(String holder) throws Exception {
        return chain.token().balanceOf(holder).send();
    }

    private static String newAddress() throws Exception {
        return Credentials.create(Keys.createEcKeyPair()).getAddress();
    }

    private static byte[] randomNonce() {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return nonce;
    }
}
