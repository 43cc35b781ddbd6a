package computepool.billing.holds;

import computepool.billing.domain.Spendable;
import computepool.billing.store.HoldStore;
import computepool.billing.store.LedgerStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Reads what a developer can spend, inside a transaction that holds the developer's wallets locked. */
@ApplicationScoped
public class Funds {

    private final LedgerStore ledger;
    private final HoldStore holds;

    public Funds(LedgerStore ledger, HoldStore holds) {
        this.ledger = ledger;
        this.holds = holds;
    }

    /** Balances (as of locking the wallets), the subsidised credit's meters and the open holds, except {@code exceptHold}. */
    public Uni<Spendable> spendable(LedgerStore.Wallets wallets, Instant now, Optional<UUID> exceptHold) {
        return ledger.spendableMeters(wallets.subsidised())
                .chain(meters -> holds.openByMeter(wallets.paid(), now, exceptHold)
                        .map(held -> new Spendable(wallets.paidBalance(), wallets.subsidisedBalance(), meters, held)));
    }
}
