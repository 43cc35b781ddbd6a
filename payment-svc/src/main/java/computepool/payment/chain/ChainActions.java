package computepool.payment.chain;

import computepool.chain.contracts.ComputePoolUsd;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.util.Locale;

/** Proposes chain actions: what the platform wants done on chain, each under its own idempotency key. */
@ApplicationScoped
public class ChainActions {

    public static final String TOKEN_TRANSFER = "TOKEN_TRANSFER";

    /** The same idempotency key was used before for a different effect. */
    public static final class IdempotencyConflict extends RuntimeException {
        public IdempotencyConflict(String idempotencyKey) {
            super("idempotency key '" + idempotencyKey + "' was used for a different action");
        }
    }

    private final Chain chain;
    private final ChainActionStore store;
    private final Clock clock;

    public ChainActions(Chain chain, ChainActionStore store, Clock clock) {
        this.chain = chain;
        this.store = store;
        this.clock = clock;
    }

    /** A transfer of {@code amount} base units of the token from the treasury to {@code to}. */
    public ChainAction transferFromTreasury(String idempotencyKey, String to, BigInteger amount) {
        String callData = chain.token().transfer(to, amount).encodeFunctionCall();
        return propose(idempotencyKey, TOKEN_TRANSFER, chain.config().tokenAddress(), callData);
    }

    /** Any call from the treasury; a retry with the same key answers the action recorded first. */
    public ChainAction call(String idempotencyKey, String kind, String contract, String callData) {
        return propose(idempotencyKey, kind, contract, callData);
    }

    public java.util.Optional<ChainAction> byKey(String idempotencyKey) {
        return store.findByKey(idempotencyKey);
    }

    private ChainAction propose(String idempotencyKey, String kind, String contract, String callData) {
        String sender = chain.treasury().getAddress().toLowerCase(Locale.ROOT);
        String target = contract.toLowerCase(Locale.ROOT);
        String data = callData.toLowerCase(Locale.ROOT);
        ChainAction action = store.propose(idempotencyKey, kind, sender, target, data, clock.instant());
        if (!action.sameEffectAs(kind, sender, target, data)) {
            throw new IdempotencyConflict(idempotencyKey);
        }
        return action;
    }
}
