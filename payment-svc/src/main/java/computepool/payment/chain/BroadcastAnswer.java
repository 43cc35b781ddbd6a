package computepool.payment.chain;

import java.util.Locale;
import java.util.Optional;

/**
 * What a node's answer to {@code eth_sendRawTransaction} means for the transaction sent: accepted (or known already,
 * or its nonce already used, which following the action sorts out), or refused for its fees, or refused for another
 * reason. The messages are geth's and anvil's.
 */
enum BroadcastAnswer {
    ACCEPTED, UNDERPRICED, REFUSED;

    static BroadcastAnswer of(Optional<String> error) {
        if (error.isEmpty()) {
            return ACCEPTED;
        }
        String message = error.get().toLowerCase(Locale.ROOT);
        if (message.contains("already known") || message.contains("already imported")
                || message.contains("known transaction") || message.contains("nonce too low")) {
            return ACCEPTED;
        }
        if (message.contains("underpriced") || message.contains("fee too low") || message.contains("base fee")
                || message.contains("gas price too low") || message.contains("max fee per gas less than")) {
            return UNDERPRICED;
        }
        return REFUSED;
    }

    Optional<ChainAction.Refusal> refusal() {
        return switch (this) {
            case ACCEPTED -> Optional.empty();
            case UNDERPRICED -> Optional.of(ChainAction.Refusal.UNDERPRICED);
            case REFUSED -> Optional.of(ChainAction.Refusal.REFUSED);
        };
    }
}
