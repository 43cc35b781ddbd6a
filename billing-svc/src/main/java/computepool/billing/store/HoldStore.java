package computepool.billing.store;

import computepool.billing.domain.HoldState;
import computepool.billing.domain.ModelPrice;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

/** Holds, inside the caller's reactive transaction; callers lock the developer's wallets first, then holds. */
@ApplicationScoped
public class HoldStore implements PanacheRepositoryBase<HoldRecord, UUID> {

    /** Places a hold covered by the developer's funds, or out of {@code leaseId} (which the caller took it from). */
    public Uni<HoldRecord> place(String requestId, UUID paidAccountId, String meter, ModelPrice price, long amount,
            Instant at, Instant expiresAt, Optional<UUID> leaseId) {
        return persistAndFlush(HoldRecord.placed(requestId, paidAccountId, meter, price, amount, at, expiresAt,
                leaseId.orElse(null)));
    }

    /** The request's hold, not locked: placing one must not lock a hold before the wallets, as charges do. */
    public Uni<Optional<HoldRecord>> ofRequest(String requestId) {
        return find("requestId", requestId).firstResult().map(Optional::ofNullable);
    }

    /** The request's hold, locked; call with the developer's wallets locked already. */
    public Uni<Optional<HoldRecord>> forRequest(String requestId) {
        return find("requestId", requestId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                .map(Optional::ofNullable);
    }

    public Uni<Optional<HoldRecord>> lock(UUID holdId) {
        return findById(holdId, LockModeType.PESSIMISTIC_WRITE).map(Optional::ofNullable);
    }

    public Uni<Void> settle(HoldRecord hold, long charged, Instant at) {
        hold.end(HoldState.SETTLED, at, charged);
        return flush();
    }

    public Uni<Void> release(HoldRecord hold, Instant at) {
        hold.end(HoldState.RELEASED, at, null);
        return flush();
    }

    /**
     * Marks every hold that expired by {@code now} and was never settled; their amounts stopped counting at their
     * expiry already. Returns how many.
     */
    public Uni<Integer> expire(Instant now) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        update hold set state = 'EXPIRED', ended_at = expires_at
                        where state = 'PLACED' and expires_at <= :now""")
                .setParameter("now", now.atOffset(ZoneOffset.UTC))
                .executeUpdate());
    }
}
