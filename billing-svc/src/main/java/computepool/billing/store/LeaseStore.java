package computepool.billing.store;

import static computepool.billing.store.NativeSql.instant;
import static computepool.billing.store.NativeSql.update;
import static computepool.billing.store.NativeSql.utc;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Gateways' funds leases ({@code funds_lease}), inside the caller's reactive transaction. Growing one happens with the
 * developer's wallets locked and then the lease; funding a hold from one locks only the lease (the developer's total
 * held does not change), so no two writers lock in opposite orders.
 */
@ApplicationScoped
public class LeaseStore {

    /** A lease as stored; {@code amountNanoUsd} is what it still holds. */
    public record LeaseRow(UUID id, UUID paidAccountId, long amountNanoUsd, Instant expiresAt,
            Optional<Instant> releasedAt) {

        public boolean openAt(Instant now) {
            return releasedAt.isEmpty() && expiresAt.isAfter(now);
        }
    }

    public Uni<Optional<LeaseRow>> lock(UUID id) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        select id, paid_account_id, amount_nano_usd, expires_at, released_at from funds_lease
                        where id = :id for update""", Object[].class)
                .setParameter("id", id)
                .getResultList())
                .map(rows -> rows.stream().findFirst().map(row -> new LeaseRow((UUID) row[0], (UUID) row[1],
                        ((Number) row[2]).longValue(), instant(row[3]),
                        Optional.ofNullable(row[4]).map(NativeSql::instant))));
    }

    public Uni<Integer> open(UUID id, UUID paidAccountId, long amount, Instant at, Instant expiresAt) {
        return update("""
                insert into funds_lease (id, paid_account_id, amount_nano_usd, granted_nano_usd, placed_at, expires_at)
                values (:id, :account, :amount, :amount, :at, :expires)""", Map.of("id", id, "account", paidAccountId,
                "amount", amount, "at", utc(at), "expires", utc(expiresAt)));
    }

    public Uni<Integer> grow(UUID id, long extra, Instant expiresAt) {
        return update("""
                update funds_lease set amount_nano_usd = amount_nano_usd + :extra,
                                       granted_nano_usd = granted_nano_usd + :extra,
                                       expires_at = greatest(expires_at, :expires)
                where id = :id""", Map.of("id", id, "extra", extra, "expires", utc(expiresAt)));
    }

    /**
     * Takes {@code amount} out of the developer's open lease for a hold, in one statement that locks only the lease;
     * false (nothing taken) when the lease is another developer's, released, expired at {@code now} or short.
     */
    public Uni<Boolean> take(UUID id, UUID paidAccountId, long amount, Instant now) {
        return update("""
                update funds_lease set amount_nano_usd = amount_nano_usd - :amount
                where id = :id and paid_account_id = :account and released_at is null and expires_at > :now
                  and amount_nano_usd >= :amount""", Map.of("id", id, "account", paidAccountId, "amount", amount,
                "now", utc(now)))
                .map(rows -> rows == 1);
    }

    /** Whose lease this is, if there is one. */
    public Uni<Optional<UUID>> holderOf(UUID id) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                        "select paid_account_id from funds_lease where id = :id", UUID.class)
                .setParameter("id", id)
                .getResultList())
                .map(rows -> rows.stream().findFirst());
    }

    public Uni<Integer> release(UUID id, Instant at) {
        return update("update funds_lease set released_at = :at where id = :id and released_at is null",
                Map.of("id", id, "at", utc(at)));
    }
}
