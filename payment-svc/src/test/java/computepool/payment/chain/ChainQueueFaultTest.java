package computepool.payment.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.JsonRpcFaultProxy;
import computepool.localstack.JsonRpcFaultProxy.Answer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * The chain queue against anvil behind a JSON-RPC proxy that answers chosen calls for it: a receipt index that lags,
 * a node that refuses a transaction for its fees or for another reason, one that never mines what it is sent, a
 * block whose base fee passes what a transaction offers, and a nonce taken by a transaction signed elsewhere with
 * the treasury's key. Each ends with every action's effect exactly once, or none
 * and the action FAILED, and no later action held up.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainProxyTestResource.class, restrictToAnnotatedClass = true)
class ChainQueueFaultTest {

    private static final String SEND = "eth_sendRawTransaction";
    /** What a node that takes a transaction into a pool it never mines answers: the call looks accepted. */
    private static final Answer SWALLOWED = Answer.result("\"0x" + "00".repeat(32) + "\"");

    JsonRpcFaultProxy proxy;

    @Inject
    Chain chain;

    @Inject
    ChainActions actions;

    @Inject
    ChainActionStore store;

    @Inject
    Pool database;

    private HttpService node;

    /** Whatever a method answers: these tests need only whether it succeeded. */
    public static class AnyResponse extends Response<Object> {
    }

    @BeforeEach
    void node() {
        node = new HttpService(chain.config().rpcUrl().toString());
    }

    @AfterEach
    void clearFaults() {
        proxy.clear();
    }

    @Test
    void aReceiptIndexThatLagsBehindTheBlocksNeverHasAnActionSignedTwice() throws Exception {
        // Longer than any wait on the receipt alone could be: only the blocks tell that the nonce is the action's own.
        Duration lag = Duration.ofSeconds(15);
        JsonRpcFaultProxy.Fault receipts = proxy.answer("eth_getTransactionReceipt", Answer.result("null"), lag);
        long until = System.nanoTime() + lag.toNanos();
        List<String> payees = new ArrayList<>();
        List<ChainAction> proposed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            payees.add(ChainTestSupport.newAddress());
            proposed.add(actions.transferFromTreasury("lag-" + UUID.randomUUID(), payees.get(i), BigInteger.valueOf(700 + i)));
        }
        Thread.sleep(Math.max(0, (until - System.nanoTime()) / 1_000_000 - 2_000));
        for (ChainAction action : proposed) {
            ChainAction during = store.find(action.id()).orElseThrow();
            assertEquals(ChainAction.State.SUBMITTED, during.state(), during.toString());
            assertEquals(1, during.attempts(), "signed again while its receipt lagged: " + during);
        }
        assertTrue(receipts.answered() > 0, "no receipt was hidden");
        for (int i = 0; i < proposed.size(); i++) {
            ChainAction action = ChainTestSupport.awaitSettled(store, proposed.get(i).id());
            assertEquals(ChainAction.State.CONFIRMED, action.state(), action.toString());
            assertEquals(1, action.attempts());
            assertEquals(List.of("SUCCEEDED"), outcomes(action));
            assertEquals(BigInteger.valueOf(700 + i), chain.token().balanceOf(payees.get(i)).send(), "paid once");
        }
    }

    @Test
    void aTransactionRefusedForItsFeesIsNotBroadcastAndIsReplacedAtTheSameNonceWithHigherFees() throws Exception {
        String payee = ChainTestSupport.newAddress();
        JsonRpcFaultProxy.Fault refusals = proxy.answer(SEND, inCallData(payee),
                Answer.error("replacement transaction underpriced"), Duration.ofMinutes(1), 2);

        ChainAction action = ChainTestSupport.awaitSettled(store,
                actions.transferFromTreasury("underpriced-" + UUID.randomUUID(), payee, BigInteger.valueOf(1_234)).id());

        assertEquals(2, refusals.answered());
        assertEquals(ChainAction.State.CONFIRMED, action.state(), action.toString());
        List<Row> transactions = store.transactions(action.id());
        assertEquals(3, transactions.size(), "each refusal is followed by one replacement");
        assertEquals(List.of("REPLACED", "REPLACED", "SUCCEEDED"), outcomes(action));
        for (int i = 0; i < transactions.size(); i++) {
            Row row = transactions.get(i);
            assertEquals(action.nonce().orElseThrow(), row.getLong("nonce"), "a replacement keeps the nonce");
            assertEquals(i, row.getInteger("replacement"));
            if (i < 2) {
                assertTrue(row.getString("refusal").contains("underpriced"), row.getString("refusal"));
                assertRaisedByATenth(row, transactions.get(i + 1));
            }
        }
        assertEquals(action.txHash().orElseThrow(), transactions.get(2).getString("tx_hash"));
        assertEquals(BigInteger.valueOf(1_234), chain.token().balanceOf(payee).send());
    }

    @Test
    void anUnminedCallIsReplacedUpToTheCapThenItsNonceIsCancelledAndTheNextActionGoesOn() throws Exception {
        String stuckPayee = ChainTestSupport.newAddress();
        String nextPayee = ChainTestSupport.newAddress();
        // The stuck action's calls never reach the node; its cancel (a call of nothing) does.
        JsonRpcFaultProxy.Fault swallowed = proxy.answer(SEND, inCallData(stuckPayee), SWALLOWED,
                Duration.ofMinutes(2), Integer.MAX_VALUE);
        ChainAction stuck = actions.transferFromTreasury("stuck-" + UUID.randomUUID(), stuckPayee, BigInteger.valueOf(55));
        ChainTestSupport.await(store, stuck.id(), a -> a.state() == ChainAction.State.SUBMITTED, Duration.ofSeconds(30));
        ChainAction next = actions.transferFromTreasury("after-stuck-" + UUID.randomUUID(), nextPayee,
                BigInteger.valueOf(66));

        ChainAction failed = ChainTestSupport.awaitSettled(store, stuck.id());
        ChainAction confirmed = ChainTestSupport.awaitSettled(store, next.id());

        assertEquals(ChainAction.State.FAILED, failed.state(), failed.toString());
        assertTrue(swallowed.answered() >= 3, "the call and its two replacements were sent: " + swallowed.answered());
        List<Row> transactions = store.transactions(stuck.id());
        assertEquals(List.of("CALL", "CALL", "CALL", "CANCEL"),
                transactions.stream().map(row -> row.getString("purpose")).toList());
        assertEquals(List.of("REPLACED", "REPLACED", "REPLACED", "CANCELLED"), outcomes(failed));
        for (int i = 0; i + 1 < transactions.size(); i++) {
            assertRaisedByATenth(transactions.get(i), transactions.get(i + 1));
        }
        assertTrue(failed.failure().orElseThrow().contains("cancelled by"), failed.failure().orElseThrow());
        assertTrue(ChainTestSupport.discrepancies(database).stream()
                        .anyMatch(row -> row.getString("record_key").equals(stuck.id().toString())),
                "no ChainDiscrepancy for the failed action");
        assertEquals(BigInteger.ZERO, chain.token().balanceOf(stuckPayee).send(), "a cancelled call has no effect");

        assertEquals(ChainAction.State.CONFIRMED, confirmed.state(), confirmed.toString());
        assertEquals(failed.nonce().orElseThrow() + 1, confirmed.nonce().orElseThrow());
        assertEquals(BigInteger.valueOf(66), chain.token().balanceOf(nextPayee).send());
    }

    @Test
    void aNonceTakenByAnotherTransactionDisplacesTheActionOnlyOnceThatTransactionHasBlocksOnIt() throws Exception {
        String payee = ChainTestSupport.newAddress();
        proxy.answer(SEND, inCallData(payee), SWALLOWED, Duration.ofMinutes(2), Integer.MAX_VALUE);
        ChainAction action = ChainTestSupport.await(store,
                actions.transferFromTreasury("displaced-" + UUID.randomUUID(), payee, BigInteger.valueOf(4_321)).id(),
                a -> a.state() == ChainAction.State.SUBMITTED, Duration.ofSeconds(30));
        String displacing = sendElsewhere(action.nonce().orElseThrow());

        // Read again and again, and still not displaced: the other transaction has one block on it of the three.
        ChainAction waiting = ChainTestSupport.await(store, action.id(), a -> a.signing()
                .flatMap(ChainAction.Signing::displacement).filter(seen -> seen.reads() >= 5).isPresent(),
                Duration.ofSeconds(30));
        assertEquals(1, waiting.attempts(), "displaced before the other transaction had blocks on it: " + waiting);
        assertEquals(displacing, waiting.signing().orElseThrow().displacement().orElseThrow().txHash());

        mineBlocks(2);
        ChainTestSupport.await(store, action.id(), a -> a.attempts() == 2, Duration.ofSeconds(30));
        proxy.clear();
        ChainAction settled = ChainTestSupport.awaitSettled(store, action.id());

        assertEquals(ChainAction.State.CONFIRMED, settled.state(), settled.toString());
        List<Row> transactions = store.transactions(action.id());
        assertTrue(transactions.stream().filter(row -> row.getInteger("attempt") == 1)
                .allMatch(row -> "DISPLACED".equals(row.getString("outcome"))), "the first attempt is DISPLACED");
        assertEquals(1, transactions.stream().filter(row -> "SUCCEEDED".equals(row.getString("outcome"))).count());
        assertTrue(settled.nonce().orElseThrow() > action.nonce().orElseThrow());
        assertEquals(BigInteger.valueOf(4_321), chain.token().balanceOf(payee).send(), "paid once");
    }

    @Test
    void aRefusedBroadcastIsRecordedAsRefusedNeverAsBroadcastAndTheQueueMovesOn() throws Exception {
        String payee = ChainTestSupport.newAddress();
        String nextPayee = ChainTestSupport.newAddress();
        JsonRpcFaultProxy.Fault refusals = proxy.answer(SEND, inCallData(payee),
                Answer.error("insufficient funds for gas * price + value"), Duration.ofMinutes(1), 2);
        ChainAction refused = actions.transferFromTreasury("refused-" + UUID.randomUUID(), payee, BigInteger.valueOf(77));
        ChainAction seen = ChainTestSupport.await(store, refused.id(),
                a -> a.failure().filter(failure -> failure.contains("insufficient funds")).isPresent(), Duration.ofSeconds(30));
        ChainAction next = actions.transferFromTreasury("after-refused-" + UUID.randomUUID(), nextPayee,
                BigInteger.valueOf(88));

        assertTrue(seen.broadcastAt().isEmpty(), "a refused transaction was recorded as broadcast: " + seen);
        assertEquals(ChainAction.Refusal.REFUSED, seen.signing().orElseThrow().refusal().orElseThrow());
        ChainAction confirmed = ChainTestSupport.awaitSettled(store, refused.id());
        ChainAction after = ChainTestSupport.awaitSettled(store, next.id());
        assertEquals(2, refusals.answered());
        assertEquals(ChainAction.State.CONFIRMED, confirmed.state(), confirmed.toString());
        assertTrue(store.transactions(refused.id()).stream().map(row -> row.getString("refusal"))
                .anyMatch(refusal -> refusal != null && refusal.contains("insufficient funds")));
        assertEquals(1, store.transactions(refused.id()).stream()
                .filter(row -> "SUCCEEDED".equals(row.getString("outcome"))).count());
        assertEquals(BigInteger.valueOf(77), chain.token().balanceOf(payee).send());
        assertEquals(ChainAction.State.CONFIRMED, after.state(), after.toString());
        assertEquals(BigInteger.valueOf(88), chain.token().balanceOf(nextPayee).send());
    }

    /**
     * Automine off, and the next block's base fee raised past what the transaction offers: it stays unmined until
     * replaced at a fee the chain takes, and the action after it is mined after it.
     */
    @Test
    void withAutomineOffAnUnderpricedTransactionIsReplacedAndMinedOnceAndTheNextActionFollows() throws Exception {
        String payee = ChainTestSupport.newAddress();
        String nextPayee = ChainTestSupport.newAddress();
        ChainAction underpriced;
        ChainAction next;
        long offered;
        rpc("evm_setAutomine", false);
        try {
            underpriced = ChainTestSupport.await(store,
                    actions.transferFromTreasury("underpriced-block-" + UUID.randomUUID(), payee, BigInteger.valueOf(99)).id(),
                    a -> a.broadcastAt().isPresent(), Duration.ofSeconds(30));
            offered = underpriced.signing().orElseThrow().fees().maxFeePerGas();
            rpc("anvil_setNextBlockBaseFeePerGas", Numeric.toHexStringWithPrefix(BigInteger.valueOf(offered * 2)));
            rpc("evm_mine");
            assertEquals(BigInteger.ZERO, chain.token().balanceOf(payee).send(), "mined below the block's base fee");
            next = actions.transferFromTreasury("after-underpriced-" + UUID.randomUUID(), nextPayee,
                    BigInteger.valueOf(111));

            ChainAction replaced = ChainTestSupport.await(store, underpriced.id(),
                    a -> a.signing().filter(signing -> signing.replacements() >= 1).isPresent()
                            && a.broadcastAt().isPresent(), Duration.ofSeconds(30));
            assertTrue(replaced.signing().orElseThrow().fees().maxFeePerGas() >= offered * 2 * 7 / 8,
                    "the replacement does not pay the next block's base fee: " + replaced);
            ChainTestSupport.await(store, next.id(), a -> a.broadcastAt().isPresent(), Duration.ofSeconds(30));
            rpc("evm_mine");
            rpc("evm_mine");
        } finally {
            rpc("evm_setAutomine", true);
        }

        ChainAction confirmed = ChainTestSupport.awaitSettled(store, underpriced.id());
        ChainAction after = ChainTestSupport.awaitSettled(store, next.id());
        assertEquals(ChainAction.State.CONFIRMED, confirmed.state(), confirmed.toString());
        List<String> outcomes = outcomes(confirmed);
        assertEquals(1, outcomes.stream().filter("SUCCEEDED"::equals).count(), outcomes.toString());
        assertTrue(outcomes.size() >= 2 && outcomes.stream().allMatch(o -> o.equals("SUCCEEDED") || o.equals("REPLACED")),
                outcomes.toString());
        assertEquals(BigInteger.valueOf(99), chain.token().balanceOf(payee).send(), "paid once");
        assertEquals(ChainAction.State.CONFIRMED, after.state(), after.toString());
        assertTrue(after.blockNumber().orElseThrow() >= confirmed.blockNumber().orElseThrow());
        assertEquals(BigInteger.valueOf(111), chain.token().balanceOf(nextPayee).send());
    }

    /** The payee's address as it appears, padded, inside a signed call's data. */
    private static String inCallData(String payee) {
        return Numeric.cleanHexPrefix(payee).toLowerCase(Locale.ROOT);
    }

    private List<String> outcomes(ChainAction action) {
        return store.transactions(action.id()).stream().map(row -> row.getString("outcome")).toList();
    }

    /** EIP-1559's replacement rule: both the fee cap and the tip at least 10 % over the replaced transaction's. */
    private static void assertRaisedByATenth(Row replaced, Row replacement) {
        long cap = replaced.getLong("max_fee_per_gas");
        long tip = replaced.getLong("max_priority_fee_per_gas");
        assertTrue(replacement.getLong("max_fee_per_gas") * 10 >= cap * 11, "fee cap " + cap + " → "
                + replacement.getLong("max_fee_per_gas"));
        assertTrue(replacement.getLong("max_priority_fee_per_gas") * 10 >= tip * 11, "tip " + tip + " → "
                + replacement.getLong("max_priority_fee_per_gas"));
    }

    /** A transfer of nothing from the treasury to itself at {@code nonce}, signed outside the platform's records. */
    private String sendElsewhere(long nonce) throws Exception {
        BigInteger baseFee = chain.web3j().ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send()
                .getBlock().getBaseFeePerGas();
        BigInteger tip = BigInteger.valueOf(2_000_000_000L);
        RawTransaction transaction = RawTransaction.createTransaction(chain.config().chainId(), BigInteger.valueOf(nonce),
                BigInteger.valueOf(21_000), chain.treasury().getAddress(), BigInteger.ZERO, "0x", tip,
                baseFee.shiftLeft(2).add(tip));
        String raw = Numeric.toHexString(TransactionEncoder.signMessage(transaction, chain.config().chainId(),
                chain.treasury()));
        var sent = chain.web3j().ethSendRawTransaction(raw).send();
        assertTrue(!sent.hasError(), () -> "the node refused the displacing transaction: " + sent.getError().getMessage());
        return sent.getTransactionHash().toLowerCase(Locale.ROOT);
    }

    private void mineBlocks(int blocks) throws Exception {
        for (int i = 0; i < blocks; i++) {
            rpc("evm_mine");
        }
    }

    /** One of anvil's own methods, called on the node itself (the proxy forwards it). */
    private void rpc(String method, Object... params) throws Exception {
        AnyResponse response = new Request<>(method, List.of(params), node, AnyResponse.class).send();
        assertTrue(!response.hasError(), () -> method + ": " + response.getError().getMessage());
    }
}
