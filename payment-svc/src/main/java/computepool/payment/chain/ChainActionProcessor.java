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
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Drives every open chain action forward, one pass at a time on its own thread: signs PROPOSED actions in the order
 * they were proposed (recording each signed transaction before broadcasting it), follows SUBMITTED ones to their
 * receipts, broadcasts again what the node may have lost or refused, replaces at the same nonce with higher fees what
 * is not mined in time (up to a cap, then cancels the nonce, so that no later action waits behind it), and retries an
 * attempt that reverted or whose nonce was proven used by another transaction; the reconciler compares the records
 * with the chain on a loop of its own. Any failed call to the node ends the pass; the next pass starts again from
 * the records, which is also what
 * happens after a crash.
 */
@ApplicationScoped
public class ChainActionProcessor {

    private static final Logger LOG = Logger.getLogger(ChainActionProcessor.class);
    private static final int BATCH = 100;

    private final Chain chain;
    private final ChainActionStore store;
    private final ChainAttempts attempts;
    private final NonceUse nonceUse;
    private final ChainConfig.Actions config;
    private final Clock clock;
    private final PassLoop loop;
    private final PassLoop reconciliation;
    private final List<ConfirmationNotice> notices;

    public ChainActionProcessor(Chain chain, ChainActionStore store, ChainAttempts attempts, NonceUse nonceUse,
            ChainReconciler reconciler, ChainConfig config, Clock clock, Instance<ConfirmationNotice> notices) {
        this.chain = chain;
        this.store = store;
        this.attempts = attempts;
        this.nonceUse = nonceUse;
        this.config = config.actions();
        this.clock = clock;
        this.notices = notices.stream().toList();
        this.loop = new PassLoop("chain-actions", this.config.pollInterval(), this::processOpenActions, LOG);
        // On a thread of its own: comparing a day of actions with the chain must not hold up the queue.
        this.reconciliation = new PassLoop("chain-reconciliation", this.config.reconcileInterval(), reconciler::reconcile,
                LOG);
    }

    void start(@Observes StartupEvent event) {
        if (config.processingEnabled()) {
            loop.start();
            reconciliation.start();
        }
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        loop.stop();
        reconciliation.stop();
    }

    /**
     * One pass over the open actions, oldest first. A node or database that cannot be reached ends the pass; a fault
     * in one action's data is logged and the pass goes on, so that no action waits behind another's fault.
     */
    public void processOpenActions() throws Exception {
        for (ChainAction action : store.open(BATCH)) {
            try {
                switch (action.state()) {
                    case PROPOSED -> submit(action);
                    case SUBMITTED -> follow(action);
                    default -> { }
                }
            } catch (ArithmeticException | IllegalArgumentException | IllegalStateException
                    | java.util.NoSuchElementException e) {
                // What an action's own data or the node's answer about it can throw; the node or the database
                // out of reach throws anything else, which ends the pass.
                LOG.errorf(e, "chain action %s (%s): this pass leaves it as it is", action.id(), action.state());
            }
        }
    }

    private void submit(ChainAction action) throws Exception {
        Web3j web3j = chain.web3j();
        if (!action.sender().equalsIgnoreCase(chain.treasury().getAddress())) {
            String failure = "no key for sender " + action.sender();
            attempts.notSigned(action, failure, Optional.of(failed(action, failure)), clock.instant());
            return;
        }
        EthEstimateGas estimate = web3j.ethEstimateGas(Transaction.createFunctionCallTransaction(action.sender(), null,
                null, null, action.contract(), action.callData())).send();
        if (estimate.hasError()) {
            boolean retry = action.attempts() + 1 < config.maxAttempts();
            String failure = "the call reverts: " + estimate.getError().getMessage();
            attempts.notSigned(action, failure, retry ? Optional.empty() : Optional.of(failed(action, failure)),
                    clock.instant());
            LOG.warnf("chain action %s not signed: %s; %s", action.id(), failure, retry ? "trying again" : "it has FAILED");
            return;
        }
        // 20 % above the estimate: the state the estimate saw can change before the transaction is mined.
        long gasLimit = estimate.getAmountUsed().multiply(BigInteger.valueOf(6)).divide(BigInteger.valueOf(5))
                .longValueExact();
        EthBlock.Block head = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
        ChainAction.Fees fees = FeeSchedule.first(head.getBaseFeePerGas().longValueExact(), suggestedTip(), gasLimit);
        long chainNonce = web3j.ethGetTransactionCount(action.sender(), DefaultBlockParameterName.PENDING).send()
                .getTransactionCount().longValueExact();
        Optional<ChainAction> signed = attempts.sign(action, chainNonce, head.getNumber().longValueExact(), fees,
                nonce -> signCall(action, nonce, fees), clock.instant());
        if (signed.isPresent()) {
            LOG.infof("chain action %s (%s) signed: nonce %d, transaction %s", action.id(), action.idempotencyKey(),
                    signed.get().nonce().orElseThrow(), signed.get().txHash().orElseThrow());
            broadcast(signed.get());
        }
    }

    /**
     * Sends the current transaction's recorded bytes. Accepted (or known already), it is broadcast; refused, it is
     * not: the refusal is recorded, and {@link #follow} replaces it (at once when refused for its fees) or sends it
     * again.
     */
    private void broadcast(ChainAction action) throws IOException {
        EthSendTransaction sent = chain.web3j().ethSendRawTransaction(action.rawTx().orElseThrow()).send();
        Optional<String> error = sent.hasError() ? Optional.of(String.valueOf(sent.getError().getMessage()))
                : Optional.empty();
        Optional<ChainAction.Refusal> refusal = BroadcastAnswer.of(error).refusal();
        if (refusal.isPresent()) {
            LOG.warnf("chain action %s: the node refused transaction %s (%s): %s", action.id(),
                    action.txHash().orElseThrow(), refusal.get(), error.orElseThrow());
            attempts.refused(action, refusal.get(), "broadcast refused: " + error.orElseThrow(), clock.instant());
            return;
        }
        attempts.broadcast(action, clock.instant());
    }

    /**
     * A SUBMITTED action: settled by whichever of its attempt's transactions has a receipt; otherwise, with its nonce
     * used, either its own transaction is mined and its receipt not served yet (it waits) or another's is (displaced
     * once proven); with its nonce unused, replaced when refused for its fees or late as the next nonce to be mined,
     * else sent again when due.
     */
    private void follow(ChainAction action) throws Exception {
        Web3j web3j = chain.web3j();
        List<ChainAttempts.Signed> signedAtNonce = attempts.signedAtNonce(action);
        for (ChainAttempts.Signed signed : signedAtNonce) {
            Optional<TransactionReceipt> receipt = web3j.ethGetTransactionReceipt(signed.hash()).send()
                    .getTransactionReceipt();
            if (receipt.isPresent()) {
                settle(action, signed, receipt.get());
                return;
            }
        }
        long mined = web3j.ethGetTransactionCount(action.sender(), DefaultBlockParameterName.LATEST).send()
                .getTransactionCount().longValueExact();
        long nonce = action.nonce().orElseThrow();
        if (mined > nonce) {
            followUsedNonce(action, signedAtNonce);
            return;
        }
        ChainAction.Signing signing = action.signing().orElseThrow();
        Instant now = clock.instant();
        boolean underpriced = signing.refusal().equals(Optional.of(ChainAction.Refusal.UNDERPRICED));
        // Only the next nonce to be mined is replaced when late: a later one waits on it, not on its own fees.
        boolean late = mined == nonce && !signing.signedAt().plus(config.replaceAfter()).isAfter(now);
        if (underpriced || late) {
            replace(action, signing);
            return;
        }
        Optional<Instant> lastSent = signing.refusedAt().or(action::broadcastAt);
        if (lastSent.isEmpty() || !lastSent.get().plus(config.rebroadcastAfter()).isAfter(now)) {
            broadcast(action);
        }
    }

    /**
     * The nonce is used and none of the attempt's transactions has a receipt. The transaction that used it is looked
     * up in the blocks: the attempt's own (its receipt lags behind: wait), not found (wait), or another's, which
     * displaces the action only once that same transaction has been read in that same block on
     * {@code displacement-reads} reads in a row with {@code displacement-confirmations} blocks on it. Re-signing on
     * less would run the action twice if its own transaction did land.
     */
    private void followUsedNonce(ChainAction action, List<ChainAttempts.Signed> signedAtNonce) throws Exception {
        ChainAction.Signing signing = action.signing().orElseThrow();
        long latest = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        Optional<NonceUse.Mined> user = signing.displacement().isPresent()
                ? nonceUse.reread(signing.displacement().get().txHash())
                : nonceUse.search(action.sender(), action.nonce().orElseThrow(),
                        signing.signedBlock() < 0 ? latest - config.displacementSearchBlocks() : signing.signedBlock(),
                        Math.min(latest, (signing.signedBlock() < 0 ? latest : signing.signedBlock())
                                + config.displacementSearchBlocks()));
        if (user.isPresent() && signedAtNonce.stream().anyMatch(signed -> signed.hash().equalsIgnoreCase(user.get().txHash()))) {
            LOG.debugf("chain action %s: transaction %s is mined in block %d; its receipt is not served yet",
                    action.id(), user.get().txHash(), user.get().block());
            return;
        }
        int reads = attempts.observeDisplacement(action, user.map(NonceUse.Mined::txHash),
                user.map(NonceUse.Mined::block).orElse(0L));
        if (user.isEmpty()) {
            LOG.debugf("chain action %s: nonce %d is used, by no transaction found yet", action.id(),
                    action.nonce().orElseThrow());
            return;
        }
        long confirmations = latest - user.get().block() + 1;
        if (reads < config.displacementReads() || confirmations < config.displacementConfirmations()) {
            return;
        }
        boolean retry = action.attempts() < config.maxAttempts();
        String failure = "nonce " + action.nonce().orElseThrow() + " was used by transaction " + user.get().txHash()
                + " in block " + user.get().block();
        attempts.attemptEnded(action, Optional.empty(), "DISPLACED", failure,
                retry ? Optional.empty() : Optional.of(failed(action, failure)), clock.instant());
        LOG.warnf("chain action %s: %s; %s", action.id(), failure, retry ? "signing it again" : "it has FAILED");
    }

    /**
     * Signs the attempt's next transaction at its nonce with higher fees: the call again while under
     * {@code max-replacements} and {@code max-fee-per-gas}, else a cancel that frees the nonce (and, once
     * cancelling, the cancel again).
     */
    private void replace(ChainAction action, ChainAction.Signing signing) throws Exception {
        long baseFee = chain.web3j().ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock()
                .getBaseFeePerGas().longValueExact();
        long tip = suggestedTip();
        ChainAction.Fees call = FeeSchedule.replacing(signing.fees(), baseFee, tip, signing.fees().gasLimit());
        boolean cancel = signing.cancelling() || signing.replacements() >= config.maxReplacements()
                || call.maxFeePerGas() > config.maxFeePerGas();
        ChainAction.Fees fees = cancel
                ? FeeSchedule.replacing(signing.fees(), baseFee, tip, FeeSchedule.CANCEL_GAS)
                : call;
        long nonce = action.nonce().orElseThrow();
        ChainAttempts.SignedTransaction signed = cancel ? signCancel(nonce, fees) : signCall(action, nonce, fees);
        Optional<ChainAction> replaced = attempts.replace(action, signed, fees, cancel, clock.instant());
        if (replaced.isEmpty()) {
            return;
        }
        if (cancel && !signing.cancelling()) {
            LOG.warnf("chain action %s given up after %d replacements (next fee cap %d wei per gas, cap %d): "
                    + "cancelling nonce %d with transaction %s", action.id(), signing.replacements(),
                    call.maxFeePerGas(), config.maxFeePerGas(), nonce, signed.hash());
        } else {
            LOG.infof("chain action %s: transaction %s replaced by %s at nonce %d, %d wei per gas at most",
                    action.id(), action.txHash().orElseThrow(), signed.hash(), nonce, fees.maxFeePerGas());
        }
        broadcast(replaced.get());
    }

    private long suggestedTip() throws IOException {
        return chain.web3j().ethMaxPriorityFeePerGas().send().getMaxPriorityFeePerGas().longValueExact();
    }

    private ChainAttempts.SignedTransaction signCall(ChainAction action, long nonce, ChainAction.Fees fees) {
        return signed(RawTransaction.createTransaction(chain.config().chainId(), BigInteger.valueOf(nonce),
                BigInteger.valueOf(fees.gasLimit()), action.contract(), BigInteger.ZERO, action.callData(),
                BigInteger.valueOf(fees.maxPriorityFeePerGas()), BigInteger.valueOf(fees.maxFeePerGas())));
    }

    /** A transfer of nothing from the treasury to itself: uses the nonce and does nothing else. */
    private ChainAttempts.SignedTransaction signCancel(long nonce, ChainAction.Fees fees) {
        return signed(RawTransaction.createTransaction(chain.config().chainId(), BigInteger.valueOf(nonce),
                BigInteger.valueOf(fees.gasLimit()), chain.treasury().getAddress(), BigInteger.ZERO, "0x",
                BigInteger.valueOf(fees.maxPriorityFeePerGas()), BigInteger.valueOf(fees.maxFeePerGas())));
    }

    private ChainAttempts.SignedTransaction signed(RawTransaction transaction) {
        byte[] bytes = TransactionEncoder.signMessage(transaction, chain.config().chainId(), chain.treasury());
        return new ChainAttempts.SignedTransaction(Numeric.toHexString(Hash.sha3(bytes)), Numeric.toHexString(bytes));
    }

    private void settle(ChainAction action, ChainAttempts.Signed signed, TransactionReceipt receipt) throws IOException {
        long block = receipt.getBlockNumber().longValueExact();
        if (config.confirmations() > 1) {
            long latest = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            if (latest - block + 1 < config.confirmations()) {
                return;
            }
        }
        Instant now = clock.instant();
        if (signed.cancel()) {
            String failure = "given up after " + action.signing().orElseThrow().replacements()
                    + " transactions at nonce " + action.nonce().orElseThrow() + "; cancelled by " + signed.hash()
                    + " in block " + block;
            attempts.cancelled(action, signed.hash(), block, failed(action, failure), now);
            LOG.warnf("chain action %s has FAILED: %s", action.id(), failure);
            return;
        }
        if (receipt.isStatusOK()) {
            List<Outbox.Entry> announced = new ArrayList<>();
            for (ConfirmationNotice notice : notices) {
                if (notice.kind().equals(action.kind())) {
                    announced.addAll(notice.confirmed(action.withTxHash(signed.hash()), block, now));
                }
            }
            attempts.confirm(action, signed.hash(), block, announced, now);
            LOG.infof("chain action %s confirmed in block %d by %s", action.id(), block, signed.hash());
            return;
        }
        boolean retry = action.attempts() < config.maxAttempts();
        String failure = "reverted in block " + block;
        attempts.attemptEnded(action, Optional.of(signed.hash()), "REVERTED", failure,
                retry ? Optional.empty() : Optional.of(failed(action, failure)), now);
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
