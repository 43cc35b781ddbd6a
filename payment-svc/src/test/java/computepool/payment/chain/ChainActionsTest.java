package computepool.payment.chain;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.payment.v1.ChainDiscrepancy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/** Chain actions through the admin API, the processor and the reconciler, against the stack's anvil. */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "payment_test"))
class ChainActionsTest {

    @Inject
    Chain chain;

    @Inject
    ChainActionStore store;

    @Inject
    Pool database;

    private static String transfer(String to, BigInteger amount) {
        return """
                {"to": "%s", "amount": %s}
                """.formatted(to, amount);
    }

    private static String post(String key, String body, int status) {
        return given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON)
                .header("Idempotency-Key", key).body(body)
                .when().post("/v1/admin/chain/transfers")
                .then().statusCode(status)
                .extract().path("id");
    }

    @Test
    void aTransferIsSignedOnceConfirmedAndMovesTheTokensOnceHoweverOftenItIsPosted() throws Exception {
        String payee = ChainTestSupport.newAddress();
        String key = "transfer-" + UUID.randomUUID();
        BigInteger amount = ChainTestSupport.units(7);

        String id = post(key, transfer(payee, amount), 202);
        assertEquals(id, post(key, transfer(payee, amount), 202));
        ChainAction action = ChainTestSupport.awaitSettled(store, UUID.fromString(id));
        assertEquals(id, post(key, transfer(payee, amount), 202));

        assertEquals(ChainAction.State.CONFIRMED, action.state());
        assertEquals(1, action.attempts());
        assertEquals(amount, chain.token().balanceOf(payee).send());
        List<Row> transactions = store.transactions(action.id());
        assertEquals(1, transactions.size());
        assertEquals("SUCCEEDED", transactions.getFirst().getString("outcome"));
        assertTrue(chain.web3j().ethGetTransactionReceipt(action.txHash().orElseThrow()).send()
                .getTransactionReceipt().orElseThrow().isStatusOK());
        given().auth().oauth2(TestLogins.admin())
                .when().get("/v1/admin/chain/actions/" + id)
                .then().statusCode(200)
                .body("state", equalTo("CONFIRMED"))
                .body("txHash", equalTo(action.txHash().orElseThrow()))
                .body("nonce", equalTo(action.nonce().orElseThrow().intValue()));
    }

    @Test
    void actionsOfOneSenderGetIncreasingNoncesInTheOrderProposed() throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(post("burst-" + UUID.randomUUID(), transfer(ChainTestSupport.newAddress(), BigInteger.valueOf(i + 1)), 202));
        }
        long previous = -1;
        for (String id : ids) {
            ChainAction action = ChainTestSupport.awaitSettled(store, UUID.fromString(id));
            assertEquals(ChainAction.State.CONFIRMED, action.state());
            long nonce = action.nonce().orElseThrow();
            // Other work of the service (operators' pay) may take nonces in between, never out of order.
            assertTrue(nonce > previous, "nonce " + nonce + " after " + previous);
            previous = nonce;
        }
    }

    @Test
    void aTransferTheTreasuryCannotCoverFailsWithoutSpendingANonceAndIsAnnounced() throws Exception {
        BigInteger more = chain.token().balanceOf(chain.treasury().getAddress()).send().add(BigInteger.ONE);
        String id = post("too-much-" + UUID.randomUUID(), transfer(ChainTestSupport.newAddress(), more), 202);

        ChainAction action = ChainTestSupport.awaitSettled(store, UUID.fromString(id));

        assertEquals(ChainAction.State.FAILED, action.state());
        assertTrue(action.failure().orElseThrow().contains("reverts"), action.failure().orElseThrow());
        assertTrue(action.nonce().isEmpty());
        assertTrue(store.transactions(action.id()).isEmpty());
        assertTrue(ChainTestSupport.discrepancies(database).stream()
                .anyMatch(row -> row.getString("record_key").equals(id)), "no discrepancy announced for " + id);
    }

    @Test
    void aTransactionFromTheTreasuryKeySentElsewhereIsAnnouncedAndDoesNotBlockTheQueue() throws Exception {
        ChainAction first = ChainTestSupport.awaitSettled(store, UUID.fromString(
                post("before-" + UUID.randomUUID(), transfer(ChainTestSupport.newAddress(), BigInteger.TEN), 202)));
        // The same key used outside the platform: web3j asks the node for the nonce and takes the next one.
        Credentials treasury = Credentials.create(chain.config().treasuryPrivateKey());
        new RawTransactionManager(chain.web3j(), treasury, chain.config().chainId(),
                new PollingTransactionReceiptProcessor(chain.web3j(), 100, 300))
                .sendTransaction(BigInteger.valueOf(2_000_000_000L), BigInteger.valueOf(100_000), chain.config().tokenAddress(),
                        chain.token().transfer(ChainTestSupport.newAddress(), BigInteger.ONE).encodeFunctionCall(), BigInteger.ZERO);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (ChainTestSupport.discrepancies(database).stream().noneMatch(row -> kind(row) == ChainDiscrepancy.Kind.UNKNOWN_SENDER_TRANSACTIONS)) {
            assertTrue(System.nanoTime() < deadline, "the foreign transaction was never announced");
            Thread.sleep(200);
        }

        ChainAction after = ChainTestSupport.awaitSettled(store, UUID.fromString(
                post("after-" + UUID.randomUUID(), transfer(ChainTestSupport.newAddress(), BigInteger.TEN), 202)));

        assertEquals(ChainAction.State.CONFIRMED, after.state());
        // Past the nonce the foreign transaction took.
        assertTrue(after.nonce().orElseThrow() >= first.nonce().orElseThrow() + 2, after.toString());
    }

    @Test
    void refusesBadTransfersNamingTheField() {
        String payee = "0x" + "1".repeat(40);
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON).body(transfer(payee, BigInteger.ONE))
                .when().post("/v1/admin/chain/transfers").then().spec(badRequestNaming("Idempotency-Key"));
        rejected(transfer("0x123", BigInteger.ONE), "to");
        rejected(transfer(payee, BigInteger.ZERO), "amount");
        rejected(transfer(payee, BigInteger.valueOf(-5)), "amount");
        rejected("{\"amount\": 1}", "to");
        String key = "conflict-" + UUID.randomUUID();
        post(key, transfer(payee, BigInteger.ONE), 202);
        post(key, transfer(payee, BigInteger.TWO), 409);
        given().auth().oauth2(TestLogins.developer()).contentType(ContentType.JSON)
                .header("Idempotency-Key", "dev-" + UUID.randomUUID()).body(transfer(payee, BigInteger.ONE))
                .when().post("/v1/admin/chain/transfers").then().statusCode(403);
        given().auth().oauth2(TestLogins.admin())
                .when().get("/v1/admin/chain/actions/" + UUID.randomUUID()).then().statusCode(404);
    }

    private static void rejected(String body, String field) {
        given().auth().oauth2(TestLogins.admin()).contentType(ContentType.JSON)
                .header("Idempotency-Key", "bad-" + UUID.randomUUID()).body(body)
                .when().post("/v1/admin/chain/transfers").then().spec(badRequestNaming(field));
    }

    private static ChainDiscrepancy.Kind kind(Row row) {
        try {
            return ChainDiscrepancy.parseFrom(row.getBuffer("payload").getBytes()).getKind();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
