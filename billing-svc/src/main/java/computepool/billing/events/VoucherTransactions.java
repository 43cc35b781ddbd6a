package computepool.billing.events;

import java.util.Locale;
import java.util.regex.Pattern;

/** The transaction hash an x402 transfer is booked under: both its settlement and its served request name it. */
final class VoucherTransactions {

    private static final Pattern TRANSACTION = Pattern.compile("0x[0-9a-fA-F]{64}");

    private VoucherTransactions() {
    }

    static boolean isTransaction(String hash) {
        return TRANSACTION.matcher(hash).matches();
    }

    /** Lower case: the chain's hex is case-free, the ledger's reference is not. */
    static String normalized(String hash) {
        return hash.toLowerCase(Locale.ROOT);
    }
}
