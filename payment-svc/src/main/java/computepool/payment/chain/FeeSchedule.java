package computepool.payment.chain;

/**
 * The EIP-1559 fees a treasury transaction is signed with. A first transaction offers twice the base fee plus the
 * node's suggested tip, which stays minable through six full blocks of base-fee increases. A replacement at the same
 * nonce must raise both the fee cap and the tip by at least 10 % over the transaction it replaces, or nodes refuse
 * it ("replacement transaction underpriced"); it raises each by an eighth plus one wei, and to what a first
 * transaction would offer now when that is more.
 */
final class FeeSchedule {

    /** A transfer of nothing to the sender itself: all a cancel needs. */
    static final long CANCEL_GAS = 21_000;

    private FeeSchedule() {
    }

    static ChainAction.Fees first(long baseFee, long suggestedTip, long gasLimit) {
        return new ChainAction.Fees(Math.addExact(Math.multiplyExact(baseFee, 2), suggestedTip), suggestedTip, gasLimit);
    }

    static ChainAction.Fees replacing(ChainAction.Fees last, long baseFee, long suggestedTip, long gasLimit) {
        ChainAction.Fees market = first(baseFee, suggestedTip, gasLimit);
        long tip = Math.max(raised(last.maxPriorityFeePerGas()), market.maxPriorityFeePerGas());
        long cap = Math.max(raised(last.maxFeePerGas()), market.maxFeePerGas());
        return new ChainAction.Fees(Math.max(cap, tip), tip, gasLimit);
    }

    private static long raised(long fee) {
        return Math.addExact(fee, fee / 8 + 1);
    }
}
