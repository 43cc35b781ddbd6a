package computepool.payment.x402;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.payment.chain.Chain;
import computepool.payment.chain.ChainAction;
import computepool.payment.chain.ChainActionStore;
import computepool.payment.chain.ChainActions;
import computepool.chain.contracts.ComputePoolUsd;
import computepool.payment.chain.TransferAuthorization;
import computepool.payment.v1.VoucherSettled;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The facilitator API against the stack's chain: a voucher signed here in Java (EIP-712, as a wallet signs) is
 * verified and settled once; every kind of bad voucher is refused with its x402 reason and moves nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "payment_test"))
class X402FacilitatorTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BigInteger PRICE = BigInteger.valueOf(25_000);
    private static final BigInteger FUNDS = BigInteger.valueOf(100_000);

    @Inject
    Chain chain;

    @Inject
    ChainActions actions;

    @Inject
    ChainActionStore store;

    @Inject
    Pool database;

    @ConfigProperty(name = "computepool.x402.minimum-amount")
    long minimumAmount;

    private Credentials payer;
    private String merchant;

    @BeforeEach
    void fundAPayer() throws Exception {
        payer = Credentials.create(Keys.createEcKeyPair());
        merchant = chain.treasury().getAddress();
        ChainAction funding = actions.transferFromTreasury("x402-fund-" + UUID.randomUUID(), payer.getAddress(), FUNDS);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (store.find(funding.id()).orElseThrow().state() != ChainAction.State.CONFIRMED) {
            assertTrue(System.nanoTime() < deadline, "the payer was never funded");
            Thread.sleep(100);
        }
    }

    @Test
    void saysWhatItSupports() {
        given().when().get("/supported").then().statusCode(200)
                .body("kinds[0].x402Version", equalTo(1))
                .body("kinds[0].scheme", equalTo("exact"))
                .body("kinds[0].network", equalTo("eip155:" + chain.config().chainId()))
                .body("kinds[1].x402Version", equalTo(2))
                .body("kinds[1].network", equalTo("eip155:" + chain.config().chainId()))
                .body("signers.'eip155:*'[0]", equalTo(merchant));
    }

    @Test
    void aVersionTwoVoucherVerifiesAndSettlesOnceMovingExactlyTheAmount() throws Exception {
        TransferAuthorization authorization = authorization(PRICE, 300);
        Map<String, Object> request = requestV2(authorization, sign(authorization, payer), PRICE);

        post("/verify", request).body("isValid", equalTo(true)).body("payer", equalTo(payer.getAddress()));
        String transaction = post("/settle", request).body("success", equalTo(true))
                .body("network", equalTo("eip155:" + chain.config().chainId()))
                .body("payer", equalTo(payer.getAddress()))
                .extract().path("transaction");

        assertEquals(FUNDS.subtract(PRICE), balance(payer.getAddress()));
        post("/settle", request).body("success", equalTo(true)).body("transaction", equalTo(transaction));
        post("/verify", request).body("isValid", equalTo(true));
        assertEquals(FUNDS.subtract(PRICE), balance(payer.getAddress()));
    }

    @Test
    void aVersionTwoVoucherThatAcceptedOtherRequirementsIsRefusedAndMovesNothing() throws Exception {
        TransferAuthorization authorization = authorization(PRICE, 300);
        Map<String, Object> cheaper = requestV2(authorization, sign(authorization, payer), PRICE);
        accepted(cheaper).put("amount", PRICE.subtract(BigInteger.ONE).toString());
        refused(cheaper, "invalid_payment_requirements");
        Map<String, Object> elsewhere = requestV2(authorization, sign(authorization, payer), PRICE);
        accepted(elsewhere).put("network", "eip155:1");
        refused(elsewhere, "invalid_network");
        Map<String, Object> otherScheme = requestV2(authorization, sign(authorization, payer), PRICE);
        accepted(otherScheme).put("scheme", "upto");
        refused(otherScheme, "unsupported_scheme");

        assertEquals(FUNDS, balance(payer.getAddress()));
        assertFalse(chain.token().authorizationState(payer.getAddress(), authorization.nonce()).send());
    }

    @Test
    void aDocumentOfNoKnownVersionOrMixingVersionsIsA400NamingTheField() throws Exception {
        TransferAuthorization authorization = authorization(PRICE, 300);
        Map<String, Object> unknown = requestV2(authorization, sign(authorization, payer), PRICE);
        unknown.put("x402Version", 3);
        asGateway().contentType(ContentType.JSON).body(unknown).when().post("/verify").then().statusCode(400)
                .body("errors[0].field", equalTo("x402Version"));
        // A version 2 request carrying version 1's requirements: their maxAmountRequired is no field of version 2.
        Map<String, Object> mixed = request(authorization, sign(authorization, payer), PRICE);
        mixed.put("x402Version", 2);
        asGateway().contentType(ContentType.JSON).body(mixed).when().post("/settle").then().statusCode(400);
        assertEquals(FUNDS, balance(payer.getAddress()));
    }

    @Test
    void aValidVoucherVerifiesAndSettlesOnceMovingExactlyTheAmount() throws Exception {
        TransferAuthorization authorization = authorization(PRICE, 300);
        Map<String, Object> request = request(authorization, sign(authorization, payer), PRICE);

        post("/verify", request).body("isValid", equalTo(true)).body("payer", equalTo(payer.getAddress()));
        String transaction = post("/settle", request).body("success", equalTo(true))
                .body("network", equalTo("eip155:" + chain.config().chainId()))
                .extract().path("transaction");

        assertEquals(FUNDS.subtract(PRICE), balance(payer.getAddress()));
        TransactionReceipt receipt = chain.web3j().ethGetTransactionReceipt(transaction).send().getTransactionReceipt()
                .orElseThrow();
        assertTrue(receipt.isStatusOK());
        List<ComputePoolUsd.TransferEventResponse> transfers = ComputePoolUsd.getTransferEvents(receipt);
        assertEquals(1, transfers.size());
        assertEquals(payer.getAddress(), transfers.getFirst().from.toLowerCase());
        assertEquals(merchant, transfers.getFirst().to.toLowerCase());
        assertEquals(PRICE, transfers.getFirst().value);
        // Settling it again is the same settlement; verifying it again under the same requirements is the same
        // payment, valid, so a retry of a request not served can be.
        post("/settle", request).body("success", equalTo(true)).body("transaction", equalTo(transaction));
        post("/verify", request).body("isValid", equalTo(true));
        assertEquals(FUNDS.subtract(PRICE), balance(payer.getAddress()));

        // Announced once, in the commit that confirmed it (before /settle answered), for billing to book.
        List<VoucherSettled> announced = voucherSettlements(payer.getAddress());
        assertEquals(1, announced.size(), "one announcement however often it is settled");
        VoucherSettled settled = announced.getFirst();
        assertEquals(transaction.toLowerCase(), settled.getTransaction());
        assertEquals(PRICE.longValueExact() * 1_000, settled.getPaidNanoUsd());
        assertEquals(PRICE.toString(), settled.getTokenAmount());
        assertEquals(receipt.getBlockNumber().longValueExact(), settled.getBlockNumber());
        assertEquals("eip155:" + chain.config().chainId(), settled.getNetwork());
        assertEquals(requirements(request).get("resource"), settled.getResource());
        assertEquals("x402:" + payer.getAddress() + ":" + Numeric.toHexString(authorization.nonce()),
                settled.getSettlementKey());
    }

    @Test
    void refusesEachBadVoucherWithItsReasonAndMovesNothing() throws Exception {
        TransferAuthorization expired = new TransferAuthorization(payer.getAddress(), merchant, PRICE,
                now() - 600, now() - 1, nonce());
        TransferAuthorization valid = authorization(PRICE, 300);
        TransferAuthorization tooMuch = authorization(FUNDS.add(BigInteger.ONE), 300);
        Credentials stranger = Credentials.create(Keys.createEcKeyPair());

        refused(request(expired, sign(expired, payer), PRICE), "invalid_exact_evm_payload_authorization_valid_before");
        refused(request(valid, sign(valid, payer), PRICE.add(BigInteger.ONE)), "invalid_exact_evm_payload_authorization_value");
        refused(request(valid, sign(valid, stranger), PRICE), "invalid_exact_evm_payload_signature");
        refused(request(tooMuch, sign(tooMuch, payer), FUNDS.add(BigInteger.ONE)), "insufficient_funds");
        TransferAuthorization toStranger = new TransferAuthorization(payer.getAddress(), stranger.getAddress(), PRICE,
                now() - 60, now() + 300, nonce());
        refused(request(toStranger, sign(toStranger, payer), PRICE), "invalid_exact_evm_payload_recipient_mismatch");
        Map<String, Object> notOurs = request(toStranger, sign(toStranger, payer), PRICE);
        requirements(notOurs).put("payTo", stranger.getAddress());
        refused(notOurs, "invalid_payment_requirements");
        Map<String, Object> otherNetwork = request(valid, sign(valid, payer), PRICE);
        requirements(otherNetwork).put("network", "eip155:1");
        refused(otherNetwork, "invalid_network");

        assertEquals(FUNDS, balance(payer.getAddress()));
        assertFalse(chain.token().authorizationState(payer.getAddress(), toStranger.nonce()).send());
        assertFalse(chain.token().authorizationState(payer.getAddress(), valid.nonce()).send());
    }

    @Test
    void onlyTheGatewayMayVerifyOrSettleAndWhatIsSupportedIsPublic() throws Exception {
        TransferAuthorization authorization = authorization(PRICE, 300);
        Map<String, Object> request = request(authorization, sign(authorization, payer), PRICE);

        for (String path : List.of("/verify", "/settle")) {
            given().contentType(ContentType.JSON).body(request).when().post(path).then().statusCode(401);
            given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON).body(request)
                    .when().post(path).then().statusCode(403);
            given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON).body(request)
                    .when().post(path).then().statusCode(403);
        }
        given().when().get("/supported").then().statusCode(200);
        assertEquals(FUNDS, balance(payer.getAddress()));
        assertFalse(chain.token().authorizationState(payer.getAddress(), authorization.nonce()).send());
        // The same request as the gateway settles: the refusals above were the caller's, not the voucher's.
        post("/settle", request).body("success", equalTo(true));
        assertEquals(FUNDS.subtract(PRICE), balance(payer.getAddress()));
    }

    @Test
    void aSettledVoucherIsNotSettledAgainAsThePaymentForSomethingElse() throws Exception {
        TransferAuthorization authorization = authorization(PRICE, 300);
        Map<String, Object> forChat = request(authorization, sign(authorization, payer), PRICE);
        String transaction = post("/settle", forChat).body("success", equalTo(true)).extract().path("transaction");

        Map<String, Object> forOther = request(authorization, sign(authorization, payer), PRICE);
        requirements(forOther).put("resource", "http://127.0.0.1/v1/completions");
        // As the payment for something else it is a used nonce, at verification as at settlement.
        post("/verify", forOther).body("isValid", equalTo(false))
                .body("invalidReason", equalTo("invalid_transaction_state"));
        post("/settle", forOther).body("success", equalTo(false))
                .body("errorReason", equalTo("invalid_transaction_state"));
        Map<String, Object> asVersionTwo = requestV2(authorization, sign(authorization, payer), PRICE);
        post("/settle", asVersionTwo).body("success", equalTo(false))
                .body("errorReason", equalTo("invalid_transaction_state"));

        post("/settle", forChat).body("success", equalTo(true)).body("transaction", equalTo(transaction));
        assertEquals(FUNDS.subtract(PRICE), balance(payer.getAddress()), "paid once");
    }

    @Test
    void anAmountBelowTheMinimumOrBeyondWhatTheLedgerBooksIsRefusedAndMovesNothing() throws Exception {
        BigInteger dust = BigInteger.valueOf(minimumAmount - 1);
        TransferAuthorization authorization = authorization(dust, 300);
        refused(request(authorization, sign(authorization, payer), dust), "invalid_payment_requirements");
        refused(requestV2(authorization, sign(authorization, payer), dust), "invalid_payment_requirements");
        // Its nano-USD would not fit the ledger's int64: a transfer billing could never book.
        BigInteger unbookable = BigInteger.valueOf(Long.MAX_VALUE / 1_000 + 1);
        TransferAuthorization huge = authorization(unbookable, 300);
        refused(request(huge, sign(huge, payer), unbookable), "invalid_payment_requirements");
        assertTrue(voucherSettlements(payer.getAddress()).isEmpty());

        BigInteger least = BigInteger.valueOf(minimumAmount);
        TransferAuthorization enough = authorization(least, 300);
        post("/settle", request(enough, sign(enough, payer), least)).body("success", equalTo(true));
        assertEquals(FUNDS.subtract(least), balance(payer.getAddress()));
    }

    @Test
    void aBodyThatIsNoFacilitatorRequestIsA400() {
        asGateway().contentType(ContentType.JSON).body("{not json").when().post("/verify").then().statusCode(400);
        asGateway().contentType(ContentType.JSON).when().post("/settle").then().statusCode(400);
        // A document missing a field every x402 request carries is malformed, named, and settles nothing.
        asGateway().contentType(ContentType.JSON).body("""
                {"x402Version": 1, "paymentPayload": {"x402Version": 1, "scheme": "exact", "network": "eip155:31337"},
                 "paymentRequirements": null}""")
                .when().post("/settle").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItems("paymentPayload.payload", "paymentRequirements"));
    }

    /** The VoucherSettled events of this payer in payment-svc's outbox, oldest first. */
    private List<VoucherSettled> voucherSettlements(String payerAddress) throws Exception {
        List<VoucherSettled> settled = new java.util.ArrayList<>();
        for (Row row : database.preparedQuery("""
                        select payload from outbox_event where ce_type = $1 and record_key = $2 order by seq""")
                .execute(Tuple.of(VoucherSettled.getDescriptor().getFullName(), payerAddress.toLowerCase()))
                .await().atMost(Duration.ofSeconds(5))) {
            settled.add(VoucherSettled.parseFrom(row.getBuffer(0).getBytes()));
        }
        return settled;
    }

    private void refused(Map<String, Object> request, String reason) {
        post("/verify", request).body("isValid", equalTo(false)).body("invalidReason", equalTo(reason));
        post("/settle", request).body("success", equalTo(false)).body("errorReason", equalTo(reason));
    }

    private static ValidatableResponse post(String path, Map<String, Object> request) {
        return asGateway().contentType(ContentType.JSON).body(request).when().post(path).then().statusCode(200);
    }

    /** A call as the gateway: with its service token, the only caller that may have payments verified and settled. */
    private static RequestSpecification asGateway() {
        return given().auth().oauth2(TestLogins.service("gateway-svc"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> requirements(Map<String, Object> request) {
        return (Map<String, Object>) request.get("paymentRequirements");
    }

    private Map<String, Object> request(TransferAuthorization authorization, String signature, BigInteger required) {
        String network = "eip155:" + chain.config().chainId();
        Map<String, Object> payload = Map.of(
                "x402Version", 1, "scheme", "exact", "network", network,
                "payload", exactPayload(authorization, signature));
        Map<String, Object> requirements = new HashMap<>(Map.of(
                "scheme", "exact", "network", network, "maxAmountRequired", required.toString(),
                "resource", "http://127.0.0.1/v1/chat/completions", "description", "a completion",
                "mimeType", "application/json", "payTo", merchant, "maxTimeoutSeconds", 30,
                "asset", chain.config().tokenAddress(),
                "extra", Map.of("name", "ComputePool USD", "version", "1")));
        return new HashMap<>(Map.of("x402Version", 1, "paymentPayload", payload,
                "paymentRequirements", requirements));
    }

    /** The {@code exact} scheme's payload, alike in both versions. */
    private static Map<String, Object> exactPayload(TransferAuthorization authorization, String signature) {
        return Map.of("signature", signature, "authorization", Map.of(
                "from", authorization.from(), "to", authorization.to(),
                "value", authorization.value().toString(),
                "validAfter", Long.toString(authorization.validAfter()),
                "validBefore", Long.toString(authorization.validBefore()),
                "nonce", Numeric.toHexString(authorization.nonce())));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> accepted(Map<String, Object> request) {
        return (Map<String, Object>) ((Map<String, Object>) request.get("paymentPayload")).get("accepted");
    }

    /** A version 2 request: the payload carries what it accepted, equal to the requirements asked. */
    private Map<String, Object> requestV2(TransferAuthorization authorization, String signature, BigInteger required) {
        Map<String, Object> requirements = new HashMap<>(Map.of(
                "scheme", "exact", "network", "eip155:" + chain.config().chainId(), "amount", required.toString(),
                "payTo", merchant, "maxTimeoutSeconds", 30, "asset", chain.config().tokenAddress(),
                "extra", Map.of("name", "ComputePool USD", "version", "1")));
        Map<String, Object> payload = new HashMap<>(Map.of(
                "x402Version", 2, "accepted", new HashMap<>(requirements),
                "resource", Map.of("url", "http://127.0.0.1/v1/chat/completions", "description", "a completion",
                        "mimeType", "application/json"),
                "payload", exactPayload(authorization, signature)));
        return new HashMap<>(Map.of("x402Version", 2, "paymentPayload", payload,
                "paymentRequirements", requirements));
    }

    private TransferAuthorization authorization(BigInteger value, long validForSeconds) {
        return new TransferAuthorization(payer.getAddress(), merchant, value, now() - 60, now() + validForSeconds, nonce());
    }

    private String sign(TransferAuthorization authorization, Credentials signer) throws Exception {
        Sign.SignatureData signature = authorization.sign(signer, chain.tokenDomain());
        return Numeric.toHexString(signature.getR()) + Numeric.toHexStringNoPrefix(signature.getS())
                + Numeric.toHexStringNoPrefix(signature.getV());
    }

    private BigInteger balance(String holder) throws Exception {
        return chain.token().balanceOf(holder).send();
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return nonce;
    }
}
