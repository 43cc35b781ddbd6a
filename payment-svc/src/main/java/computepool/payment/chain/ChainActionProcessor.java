package computepool.payment.chain;

import computepool.events.Outbox;
import computepool.payment.v1.ChainDiscrepancy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Drives every open chain action forward, one pass at a time on its own thread: signs PROPOSED actions in the order
 * they were proposed (recording each signed transaction before broadcasting it), follows SUBMITTED ones to their
 * receipts, broadcasts again what the node may have lost, and retries an attempt that reverted or lost its nonce.
 * Any failed call to the node ends the pass; the next pass starts again from the records, which is also what
 * happens after a crash.
 */
@ApplicationScoped
public class ChainActionProcessor {

    private static final Logger LOG = Logger.getLogger(ChainActionProcessor.class);
    private static final int BATCH = 100;

    private final Chain chain;
    private final ChainActionStore store;
    private final ChainReconciler reconciler;
    private final ChainConfig.Actions config;
    private final Clock clock;
    private final PassLoop loop;
    private final List<ConfirmationNotice> notices;
    private Instant nextReconciliation = Instant.MIN;
    /** When each submitted action's nonce was first seen used without its receipt. */
    private final Map<UUID, Instant> nonceUsedSince = new ConcurrentHashMap<>();

    public ChainActionProcessor(Chain chain, ChainActionStore store, ChainReconciler reconciler, ChainConfig config,
            Clock clock, Instance<ConfirmationNotice> notices) {
        this.chain = chain;
        this.store = store;
        this.reconciler = reconciler;
        this.config = config.actions();
        this.clock = clock;
        this.notices = notices.stream().toList();
        this.loop = new PassLoop("chain-actions", this.config.pollInterval(), this::pass, LOG);
    }

    void start(@Observes StartupEvent event) {
        if (config.processingEnabled()) {
            loop.start();
        }
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        loop.stop();
    }

    /** The open actions, then the reconciliation when it is due. */
    private void pass() throws Exception {
        processOpenActions();
        if (!clock.instant().isBefore(nextReconciliation)) {
            reconciler.reconcile();
            nextReconciliation = clock.instant().plus(config.reconcileInterval());
        }
    }

    /** One pass over the open actions, oldest first. */
    public void processOpenActions() throws Exception {
        for (ChainAction action : store.open(BATCH)) {
            switch (action.state()) {
                case PROPOSED -> submit(action);
                case SUBMITTED -> follow(action);
                default -> { }
            }
        }
    }

    private void submit(ChainAction action) throws Exception {
        Web3j web3j = chain.web3j();
        if (!action.sender().equalsIgnoreCase(chain.treasury().getAddress())) {
            String failure = "no key for sender " + action.sender();
            store.notSigned(action, failure, Optional.of(failed(action, failure)), clock.instant());
            return;
        }
        EthEstimateGas estimate = web3j.ethEstimateGas(Transaction.createFunctionCallTransaction(action.sender(), null,
                null, null, action.contract(), action.callData())).send();
        if (estimate.hasError()) {
            boolean retry = action.attempts() + 1 < config.maxAttempts();
            String failure = "the call reverts: " + estimate.getError().getMessage();
            store.notSigned(action, failure, retry ? Optional.empty() : Optional.of(failed(action, failure)),
                    clock.instant());
            LOG.warnf("chain action %s not signed: %s; %s", action.id(), failure, retry ? "trying again" : "it has FAILED");
            return;
        }
        // 20 % above the estimate: the state the estimate saw can change before the transaction is mined.
        BigInteger gasLimit = estimate.getAmountUsed().multiply(BigInteger.valueOf(6)).divide(BigInteger.valueOf(5));
        BigInteger baseFee = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock()
                .getBaseFeePerGas();
        BigInteger priorityFee = web3j.ethMaxPriorityFeePerGas().send().getMaxPriorityFeePerGas();
        // Twice the base fee survives six full blocks of base-fee increases before the transaction stops being minable.
        BigInteger maxFee = baseFee.shiftLeft(1).add(priorityFee);
        long chainNonce = web3j.ethGetTransactionCount(action.sender(), DefaultBlockParameterName.PENDING).send()
                .getTransactionCount().longValueExact();
        long chainId = chain.config().chainId();
        Optional<ChainAction> signed = store.sign(action, chainNonce, nonce -> {
            RawTransaction transaction = RawTransaction.createTransaction(chainId, BigInteger.valueOf(nonce), gasLimit,
                    action.contract(), BigInteger.ZERO, action.callData(), priorityFee, maxFee);
            byte[] bytes = TransactionEncoder.signMessage(transaction, chainId, chain.treasury());
            return new ChainActionStore.SignedTransaction(Numeric.toHexString(Hash.sha3(bytes)), Numeric.toHexString(bytes));
        }, clock.instant());
        if (signed.isPresent()) {
            LOG.infof("chain action %s (%s) signed: nonce %d, transaction %s", action.id(), action.idempotencyKey(),
                    signed.get().nonce().orElseThrow(), signed.get().txHash().orElseThrow());
            broadcast(signed.get());
        }
    }

    /** Sends the recorded signed bytes; the node answers "already known" or "nonce too low" to a repeat, both fine. */
    private void broadcast(ChainAction action) throws IOException {
        EthSendTransaction sent = chain.web3j().ethSendRawTransaction(action.rawTx().orElseThrow()).send();
        if (sent.hasError() && !isRepeat(sent.getError().getMessage())) {
            store.recordFailure(action, "broadcast refused: " + sent.getError().getMessage());
        }
        store.broadcast(action, clock.instant());
    }

    private static boolean isRepeat(String message) {
        String lower = String.valueOf(message).toLowerCase(java.util.Locale.ROOT);
        return lower.contains("already known") || lower.contains("already imported") || lower.contains("nonce too low");
    }

    private void follow(ChainAction action) throws Exception {
        Web3j web3j = chain.web3j();
        String hash = action.txHash().orElseThrow();
        Optional<TransactionReceipt> receipt = web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt();
        if (receipt.isPresent()) {
            nonceUsedSince.remove(action.id());
            settle(action, receipt.get());
            return;
        }
        long mined = web3j.ethGetTransactionCount(action.sender(), DefaultBlockParameterName.LATEST).send()
                .getTransactionCount().longValueExact();
        long nonce = action.nonce().orElseThrow();
        if (mined > nonce) {
            // The nonce is used; unless ours was mined between the two calls, by another transaction.
            if (web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt().isPresent()) {
                return;
            }
            // Only once it has stayed so for a while: re-signing an action whose transaction did land would have it
            // run twice, or fail an effect that happened.
            Instant seen = nonceUsedSince.computeIfAbsent(action.id(), id -> clock.instant());
            if (clock.instant().isBefore(seen.plus(config.displacementWait()))) {
                return;
            }
            nonceUsedSince.remove(action.id());
            boolean retry = action.attempts() < config.maxAttempts();
            String failure = "nonce " + nonce + " was used by another transaction";
            store.attemptEnded(action, "DISPLACED", failure,
                    retry ? Optional.empty() : Optional.of(failed(action, failure)), clock.instant());
            LOG.warnf("chain action %s: %s; %s", action.id(), failure, retry ? "signing it again" : "it has FAILED");
            return;
        }
        Instant now = clock.instant();
        if (action.broadcastAt().isEmpty() || !action.broadcastAt().get().plus(config.rebroadcastAfter()).isAfter(now)) {
            broadcast(action);
        }
    }

    private void settle(ChainAction action, TransactionReceipt receipt) throws IOException {
        long block = receipt.getBlockNumber().longValueExact();
        if (config.confirmations() > 1) {
            long latest = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            if (latest - block + 1 < config.confirmations()) {
                return;
            }
        }
        if (receipt.isStatusOK()) {
            Instant now = clock.instant();
            List<Outbox.Entry> announced = new ArrayList<>();
            for (ConfirmationNotice notice : notices) {
                if (notice.kind().equals(action.kind())) {
                    announced.addAll(notice.confirmed(action, block, now));
                }
            }
            store.confirm(action, block, announced, now);
            LOG.infof("chain action %s confirmed in block %d", action.id(), block);
            return;
        }
        boolean retry = action.attempts() < config.maxAttempts();
        String failure = "reverted in block " + block;
        store.attemptEnded(action, "REVERTED", failure, retry ? Optional.empty() : Optional.of(failed(action, failure)),
                clock.instant());
        LOG.warnf("chain action %s: %s; %s", action.id(), failure, retry ? "signing it again" : "it has FAILED");
    }

    private ChainDiscrepancy failed(ChainAction action, String failure) {
        return ChainDiscrepancy.newBuilder()
                .setKind(ChainDiscrepancy.Kind.FAILED)
                .setActionId(action.id().toString())
                .setIdempotencyKey(action.idempotencyKey())
                .setSender(action.sender())
                .setRecorded("FAILED after " + config.maxAttempts() + " attempts")
                .setObserved(failure)
                .build();
    }
}
