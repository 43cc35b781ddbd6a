package computepool.billing.holds;

import computepool.billing.domain.Meter;
import computepool.billing.domain.Spendable;
import computepool.billing.store.HoldStore;
import computepool.billing.store.LedgerStore;
import computepool.billing.store.ReservationHoldStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Reads what a developer can spend, inside a transaction that holds the developer's wallets locked. */
@ApplicationScoped
public class Funds {

    private final LedgerStore ledger;
    private final HoldStore holds;
    private final ReservationHoldStore reservationHolds;

    public Funds(LedgerStore ledger, HoldStore holds, ReservationHoldStore reservationHolds) {
        this.ledger = ledger;
        this.holds = holds;
        this.reservationHolds = reservationHolds;
    }

    /**
     * Balances (as of locking the wallets), the subsidised credit's meters and the open holds, requests' and market
     * buys' alike, except {@code exceptHold}: the request hold or the buy being charged.
     */
    public Uni<Spendable> spendable(LedgerStore.Wallets wallets, Instant now, Optional<UUID> exceptHold) {
        return ledger.spendableMeters(wallets.subsidised())
                .chain(meters -> holds.openByMeter(wallets.paid(), now, exceptHold)
                        .chain(held -> reservationHolds.openOf(wallets.paid(), now, exceptHold).map(buys -> {
                            Map<String, Long> byMeter = new HashMap<>(held);
                            if (buys > 0) {
                                byMeter.merge(Meter.RESERVATION_GPU_SECONDS, buys, Math::addExact);
                            }
                            return new Spendable(wallets.paidBalance(), wallets.subsidisedBalance(), meters,
                                    byMeter);
                        })));
    }
}
