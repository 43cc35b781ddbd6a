package computepool.billing.holds;

import computepool.billing.domain.Meter;
import computepool.billing.store.LeaseStore;
import computepool.billing.store.LeaseStore.LeaseRow;
import computepool.billing.store.LedgerStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;

/**
 * Gateways' funds leases: a part of a developer's funds set aside for one gateway's coming requests, so the gateway
 * admits each request out of its lease in memory and has the lease fund the request's hold afterwards. A lease grows
 * only while the developer's wallets are locked and what they can spend, less every open hold and lease, covers the
 * growth; funding a hold moves nano-USD from the lease into the hold, so nothing is held twice.
 */
@ApplicationScoped
public class LeaseBook {

    /** The outcome of asking for a lease, or for more of one. */
    public sealed interface Leasing {
    }

    /** What the lease holds now, all of it, and until when. */
    public record Leased(UUID leaseId, long amountNanoUsd, long grantedNowNanoUsd, Instant expiresAt)
            implements Leasing {
    }

    /** Less than {@code atLeast} can be spent: nothing was granted. */
    public record Refused(long requiredNanoUsd, long availableNanoUsd, String meter) implements Leasing {
    }

    /** The lease was released, or expired, and cannot grow again: the gateway opens another. */
    public static final class LeaseEndedException extends RuntimeException {

        LeaseEndedException(UUID id) {
            super("lease " + id + " was released or has expired; open a new one");
        }
    }

    private final LedgerStore ledger;
    private final LeaseStore leases;
    private final Funds funds;
    private final Clock clock;

    public LeaseBook(LedgerStore ledger, LeaseStore leases, Funds funds, Clock clock) {
        this.ledger = ledger;
        this.leases = leases;
        this.funds = funds;
        this.clock = clock;
    }

    /**
     * Opens the lease, or grows it, by as much of {@code wanted} as the developer can spend, but never less than
     * {@code atLeast}; it then lasts at least {@code lastsFor} from now. A lease id is the gateway's choice, so asking
     * again after a lost answer grows the same lease rather than opening a second.
     *
     * @throws IllegalArgumentException (as the failure) when the lease is another developer's
     * @throws LeaseEndedException      (as the failure) when the lease was released or expired
     */
    public Uni<Leasing> lease(UUID leaseId, Optional<UUID> developerId, Optional<String> subject, long atLeast,
            long wanted, Duration lastsFor) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.lockWallets(developerId, subject).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(new Refused(atLeast, 0, Meter.INFERENCE_TOKENS));
            }
            LedgerStore.Wallets wallets = found.get();
            return leases.lock(leaseId).chain(existing -> {
                if (existing.isPresent() && !existing.get().paidAccountId().equals(wallets.paid())) {
                    throw new IllegalArgumentException("lease_id " + leaseId + " is another developer's lease");
                }
                if (existing.isPresent() && !existing.get().openAt(now)) {
                    throw new LeaseEndedException(leaseId);
                }
                return funds.spendable(wallets, now, Optional.empty()).chain(spendable -> {
                    long available = spendable.available(Meter.INFERENCE_TOKENS);
                    if (available < atLeast) {
                        return Uni.createFrom().item(new Refused(atLeast, available, Meter.INFERENCE_TOKENS));
                    }
                    long granted = Math.min(wanted, available);
                    Instant expires = now.plus(lastsFor);
                    if (existing.isEmpty()) {
                        return leases.open(leaseId, wallets.paid(), granted, now, expires)
                                .replaceWith(new Leased(leaseId, granted, granted, expires));
                    }
                    // The row is locked: what the growth writes is known without reading it back.
                    LeaseRow row = existing.get();
                    Instant until = row.expiresAt().isAfter(expires) ? row.expiresAt() : expires;
                    return leases.grow(leaseId, granted, expires)
                            .replaceWith(new Leased(leaseId, row.amountNanoUsd() + granted, granted, until));
                });
            });
        });
    }

    /**
     * Ends the lease: what it still holds is free at once; holds it funded stay as they are.
     *
     * @throws NoSuchElementException   (as the failure) for an unknown lease
     * @throws IllegalArgumentException (as the failure) when the lease is another developer's
     */
    public Uni<Long> release(UUID leaseId, Optional<UUID> developerId, Optional<String> subject) {
        Instant now = clock.instant();
        return ledger.wallets(developerId, subject).chain(wallets -> leases.lock(leaseId).chain(found -> {
            LeaseRow lease = found.orElseThrow(() -> new NoSuchElementException("no lease " + leaseId));
            if (wallets.isEmpty() || !lease.paidAccountId().equals(wallets.get().paid())) {
                throw new IllegalArgumentException("lease_id " + leaseId + " is another developer's lease");
            }
            long freed = lease.openAt(now) ? lease.amountNanoUsd() : 0;
            return leases.release(leaseId, now).replaceWith(freed);
        }));
    }

    /**
     * Moves {@code amount} out of the developer's lease for a hold about to be placed; false when the lease cannot
     * give it (short, ended), and the hold must then be covered by the developer's other funds.
     *
     * @throws IllegalArgumentException (as the failure) when the lease is another developer's
     */
    Uni<Boolean> fund(UUID leaseId, UUID paidAccountId, long amount, Instant now) {
        return leases.take(leaseId, paidAccountId, amount, now).chain(taken -> taken ? Uni.createFrom().item(true)
                : leases.holderOf(leaseId).map(holder -> {
                    if (holder.isPresent() && !holder.get().equals(paidAccountId)) {
                        throw new IllegalArgumentException("lease_id " + leaseId + " is another developer's lease");
                    }
                    return false;
                }));
    }
}
