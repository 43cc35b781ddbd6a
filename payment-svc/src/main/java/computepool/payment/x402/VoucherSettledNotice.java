package computepool.payment.x402;

import com.google.protobuf.Timestamp;
import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.payment.chain.Chain;
import computepool.payment.chain.ChainAction;
import computepool.payment.chain.ConfirmationNotice;
import computepool.payment.chain.TokenUnits;
import computepool.payment.v1.VoucherSettled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.web3j.crypto.Hash;

/**
 * Announces each confirmed x402 settlement as a {@link VoucherSettled}, so that billing books every transfer the
 * treasury received, served or not. What was paid is read back from the settlement's own call data: the action is
 * what was mined, whatever the request that asked for it said.
 */
@ApplicationScoped
public class VoucherSettledNotice implements ConfirmationNotice {

    private static final long NANO_USD_PER_BASE_UNIT = TokenUnits.NANO_USD_PER_BASE_UNIT;
    /** The largest amount whose nano-USD value is still an int64. */
    static final BigInteger MAXIMUM_AMOUNT = BigInteger.valueOf(Long.MAX_VALUE / NANO_USD_PER_BASE_UNIT);
    /** The call's first four bytes: what the facilitator submits for each settlement. */
    private static final String SELECTOR = Hash.sha3String(
            "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)")
            .substring(0, 10);
    private static final int WORD = 64;
    private static final Logger LOG = Logger.getLogger(VoucherSettledNotice.class);

    private final Chain chain;
    private final X402Settlements settlements;

    public VoucherSettledNotice(Chain chain, X402Settlements settlements) {
        this.chain = chain;
        this.settlements = settlements;
    }

    @Override
    public String kind() {
        return X402Facilitator.SETTLEMENT;
    }

    @Override
    public List<Outbox.Entry> confirmed(ChainAction action, long blockNumber, Instant now) {
        String callData = action.callData().toLowerCase(Locale.ROOT);
        String head = SELECTOR.toLowerCase(Locale.ROOT);
        if (!callData.startsWith(head) || callData.length() < head.length() + 3 * WORD) {
            // Never so for a settlement the facilitator submitted; the confirmation stands, unannounced and logged,
            // rather than holding every other chain action up.
            LOG.errorf("Settlement %s confirmed in block %d is no transferWithAuthorization; billing is not told",
                    action.idempotencyKey(), blockNumber);
            return List.of();
        }
        String arguments = callData.substring(head.length());
        String payer = "0x" + arguments.substring(WORD - 40, WORD);
        BigInteger amount = new BigInteger(arguments.substring(2 * WORD, 3 * WORD), 16);
        VoucherSettled settled = VoucherSettled.newBuilder()
                .setSettlementKey(action.idempotencyKey())
                .setPayer(payer)
                .setPaidNanoUsd(amount.multiply(BigInteger.valueOf(NANO_USD_PER_BASE_UNIT)).longValueExact())
                .setTokenAmount(amount.toString())
                .setNetwork("eip155:" + chain.config().chainId())
                .setTransaction(action.txHash().orElseThrow().toLowerCase(Locale.ROOT))
                .setBlockNumber(blockNumber)
                .setResource(settlements.resourceOf(action.idempotencyKey()).orElse(""))
                .setSettledAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .build();
        return List.of(new Outbox.Entry(Topics.PAYMENT, payer, settled));
    }
}
