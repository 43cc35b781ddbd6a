package computepool.payment.chain;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Optional;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.Transaction;

/**
 * Which transaction used a sender's nonce, read from the blocks themselves rather than from receipts: a node can
 * report a nonce used before it serves the receipt of the transaction that used it, and only the transaction itself
 * tells whether it was the platform's.
 */
@ApplicationScoped
public class NonceUse {

    /** A transaction mined in {@code block}. */
    public record Mined(String txHash, long block) {
    }

    private final Chain chain;

    public NonceUse(Chain chain) {
        this.chain = chain;
    }

    /** The transaction from {@code sender} at {@code nonce} in blocks {@code from} to {@code to}, searched newest first. */
    public Optional<Mined> search(String sender, long nonce, long from, long to) throws IOException {
        for (long number = to; number >= Math.max(0, from); number--) {
            EthBlock.Block block = chain.web3j().ethGetBlockByNumber(
                    DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), true).send().getBlock();
            if (block == null) {
                continue;
            }
            for (EthBlock.TransactionResult<?> result : block.getTransactions()) {
                if (result.get() instanceof Transaction transaction && sender.equalsIgnoreCase(transaction.getFrom())
                        && transaction.getNonce().longValueExact() == nonce) {
                    return Optional.of(new Mined(transaction.getHash().toLowerCase(java.util.Locale.ROOT), number));
                }
            }
        }
        return Optional.empty();
    }

    /** The block {@code txHash} is mined in now, as the node reads it again; empty when it is not mined (any more). */
    public Optional<Mined> reread(String txHash) throws IOException {
        return chain.web3j().ethGetTransactionByHash(txHash).send().getTransaction()
                .filter(transaction -> transaction.getBlockNumberRaw() != null)
                .map(transaction -> new Mined(txHash, transaction.getBlockNumber().longValueExact()));
    }
}
