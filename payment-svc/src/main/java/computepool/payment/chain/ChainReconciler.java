package computepool.payment.chain;

import computepool.payment.v1.ChainDiscrepancy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Compares the records with the chain and announces every difference as a {@link ChainDiscrepancy} on the
 * {@code payment} topic, once each: a CONFIRMED action whose transaction the chain no longer has (a reorganisation),
 * an action SUBMITTED for too long, and transactions from the treasury's key that the platform never signed.
 */
@ApplicationScoped
public class ChainReconciler {

    private static final int BATCH = 1_000;

    private final Chain chain;
    private final ChainActionStore store;
    private final NonceUse nonceUse;
    private final ChainConfig.Actions config;
    private final Clock clock;

    public ChainReconciler(Chain chain, ChainActionStore store, NonceUse nonceUse, ChainConfig config, Clock clock) {
        this.chain = chain;
        this.store = store;
        this.nonceUse = nonceUse;
        this.config = config.actions();
        this.clock = clock;
    }

    public void reconcile() throws Exception {
        Instant now = clock.instant();
        for (ChainAction action : store.inState(ChainAction.State.CONFIRMED, now.minus(config.reconcileWindow()), BATCH)) {
            Optional<TransactionReceipt> receipt = chain.web3j()
                    .ethGetTransactionReceipt(action.txHash().orElseThrow()).send().getTransactionReceipt();
            long recordedBlock = action.blockNumber().orElseThrow();
            if (receipt.isEmpty() && nonceUse.reread(action.txHash().orElseThrow())
                    .filter(mined -> mined.block() == recordedBlock).isPresent()) {
                // Still in its block: the node's receipt index lags behind its blocks.
                continue;
            }
            if (receipt.isEmpty() || !receipt.get().isStatusOK()
                    || receipt.get().getBlockNumber().longValueExact() != recordedBlock) {
                announce(action, ChainDiscrepancy.Kind.CONFIRMED_NOT_ON_CHAIN,
                        "CONFIRMED by " + action.txHash().orElseThrow() + " in block " + recordedBlock,
                        receipt.map(r -> (r.isStatusOK() ? "succeeded" : "reverted") + " in block " + r.getBlockNumber())
                                .orElse("no receipt"), now);
            }
        }
        for (ChainAction action : store.open(BATCH)) {
            if (action.state() == ChainAction.State.SUBMITTED
                    && action.submittedAt().orElseThrow().plus(config.stuckAfter()).isBefore(now)) {
                announce(action, ChainDiscrepancy.Kind.STUCK, "SUBMITTED at " + action.submittedAt().orElseThrow()
                        + " with nonce " + action.nonce().orElseThrow(), "not mined after " + config.stuckAfter(), now);
            }
        }
        String treasury = chain.treasury().getAddress();
        Optional<Long> highest = store.highestNonce(treasury);
        if (highest.isPresent()) {
            long mined = chain.web3j().ethGetTransactionCount(treasury, DefaultBlockParameterName.LATEST).send()
                    .getTransactionCount().longValueExact();
            if (mined > highest.get() + 1) {
                store.announce(ChainDiscrepancy.newBuilder()
                        .setKind(ChainDiscrepancy.Kind.UNKNOWN_SENDER_TRANSACTIONS)
                        .setSender(treasury)
                        .setRecorded("highest nonce signed: " + highest.get())
                        .setObserved(mined + " transactions mined")
                        .build(), treasury + ":" + mined, now);
            }
        }
    }

    private void announce(ChainAction action, ChainDiscrepancy.Kind kind, String recorded, String observed, Instant now) {
        store.announce(ChainDiscrepancy.newBuilder()
                .setKind(kind)
                .setActionId(action.id().toString())
                .setIdempotencyKey(action.idempotencyKey())
                .setSender(action.sender())
                .setRecorded(recorded)
                .setObserved(observed)
                .build(), action.id().toString(), now);
    }
}
