package computepool.billing.holds;

import computepool.billing.config.BillingConfig;
import computepool.billing.domain.Meter;
import computepool.billing.store.LedgerStore;
import computepool.billing.store.ReservationHoldStore;
import computepool.billing.store.ReservationHoldStore.ReservationHoldRow;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Market buys' holds, placed and released inside the caller's transaction. A buy's hold is placed only while the
 * buyer's wallets are locked and what they can spend on {@code reservation.gpu_seconds}, less every open hold,
 * covers the buy's most cost; metered periods lock the same wallets before drawing on it, so the wallets always
 * cover every open hold, requests' and buys' alike.
 */
@ApplicationScoped
public class ReservationHolds {

    /** The outcome of asking for a buy's hold. */
    public sealed interface Placement {
    }

    public record Placed(ReservationHoldRow hold) implements Placement {
    }

    public record Refused(long requiredNanoUsd, long availableNanoUsd) implements Placement {
    }

    private final LedgerStore ledger;
    private final ReservationHoldStore holds;
    private final Funds funds;
    private final BillingConfig config;
    private final Clock clock;

    public ReservationHolds(LedgerStore ledger, ReservationHoldStore holds, Funds funds, BillingConfig config,
            Clock clock) {
        this.ledger = ledger;
        this.holds = holds;
        this.funds = funds;
        this.config = config;
        this.clock = clock;
    }

    /** Holds the buy's most cost on the buyer's funds; asking again for a buy returns its hold as it is. */
    public Uni<Placement> place(UUID buyOrderId, String buyerSubject, long amount) {
        // The database keeps microseconds: what is returned should equal what is read back later.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.lockWallets(Optional.empty(), Optional.of(buyerSubject)).chain(wallets -> {
            if (wallets.isEmpty()) {
                return Uni.createFrom().item(new Refused(amount, 0));
            }
            return holds.find(buyOrderId, now).chain(existing -> {
                if (existing.isPresent() && !lapsed(existing.get(), now)) {
                    return Uni.createFrom().item(new Placed(existing.get()));
                }
                // A lapsed hold is placed anew, against the funds there are now.
                Uni<Boolean> cleared = existing.isPresent() ? holds.deletePending(buyOrderId)
                        : Uni.createFrom().item(true);
                return cleared.chain(() -> funds.spendable(wallets.get(), now, Optional.empty()).chain(spendable -> {
                    long available = spendable.available(Meter.RESERVATION_GPU_SECONDS);
                    if (available < amount) {
                        return Uni.createFrom().item(new Refused(amount, available));
                    }
                    return holds.place(buyOrderId, wallets.get().paid(), amount, now,
                                    now.plus(config.reservationHoldPendingTime()))
                            .chain(() -> holds.find(buyOrderId, now))
                            .map(placed -> new Placed(placed.orElseThrow()));
                }));
            });
        });
    }

    private static boolean lapsed(ReservationHoldRow hold, Instant now) {
        return hold.pendingUntil().filter(until -> !until.isAfter(now)).isPresent();
    }

    /** Frees the hold of a buy the book refused; false when there was none, or the book took the buy. */
    public Uni<Boolean> release(UUID buyOrderId) {
        return holds.deletePending(buyOrderId);
    }
}
