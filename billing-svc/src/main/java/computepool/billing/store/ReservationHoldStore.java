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
import java.util.function.Function;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Market buys' reservation holds ({@code reservation_hold}), inside the caller's reactive transaction. Placing and
 * drawing happen with the buyer's wallets locked; the market's events change one row each, without wallet locks, so
 * no two writers lock in opposite orders.
 */
@ApplicationScoped
public class ReservationHoldStore {

    /** A hold as stored; {@code open} is what it still holds at the instant it was read. */
    public record ReservationHoldRow(UUID buyOrderId, UUID paidAccountId, long limitCostNanoUsd, long open,
            Optional<Instant> pendingUntil) {
    }

    /** What a hold still holds at {@code :now}: the database's one rule, also counted by {@code open_holds}. */
    private static final String OPEN_AMOUNT = "reservation_hold_open_amount(reservation_hold, :now)";

    public Uni<Optional<ReservationHoldRow>> find(UUID buyOrderId, Instant now) {
        return session(session -> session.createNativeQuery("select buy_order_id, paid_account_id, "
                        + "limit_cost_nano_usd, (" + OPEN_AMOUNT + ")::bigint, pending_until from reservation_hold "
                        + "where buy_order_id = :id", Object[].class)
                .setParameter("id", buyOrderId)
                .setParameter("now", utc(now))
                .getResultList())
                .map(rows -> rows.stream().findFirst().map(row -> new ReservationHoldRow((UUID) row[0],
                        (UUID) row[1], ((Number) row[2]).longValue(), ((Number) row[3]).longValue(),
                        Optional.ofNullable(row[4]).map(NativeSql::instant))));
    }

    /** Places the hold unless the buy has one already; true when this call placed it. */
    public Uni<Boolean> place(UUID buyOrderId, UUID paidAccountId, long limitCost, Instant at, Instant pendingUntil) {
        return update("""
                insert into reservation_hold (buy_order_id, paid_account_id, limit_cost_nano_usd, placed_at,
                                              pending_until)
                values (:id, :account, :limit, :at, :pendingUntil)
                on conflict (buy_order_id) do nothing""", Map.of("id", buyOrderId,
                "account", paidAccountId, "limit", limitCost, "at", utc(at), "pendingUntil", utc(pendingUntil)))
                .map(rows -> rows == 1);
    }

    /** Deletes a hold the book never took: still pending, nothing filled or drawn. True when one was deleted. */
    public Uni<Boolean> deletePending(UUID buyOrderId) {
        return update("""
                delete from reservation_hold
                where buy_order_id = :id and pending_until is not null and fill_cost_nano_usd is null
                  and drawn_nano_usd = 0""", Map.of("id", buyOrderId))
                .map(rows -> rows == 1);
    }

    /** The book took the buy: the hold no longer lapses. */
    public Uni<Integer> bind(UUID buyOrderId) {
        return update("update reservation_hold set pending_until = null where buy_order_id = :id",
                Map.of("id", buyOrderId));
    }

    /** The buy filled: it holds the fill's cost from now on. */
    public Uni<Integer> filled(UUID buyOrderId, long fillCost) {
        return update("""
                update reservation_hold set fill_cost_nano_usd = :cost, pending_until = null
                where buy_order_id = :id""", Map.of("id", buyOrderId, "cost", fillCost));
    }

    /** The reservation ended early: the hours not begun are refunded out of the hold. */
    public Uni<Integer> refunded(UUID buyOrderId, long refund) {
        return update("update reservation_hold set refund_nano_usd = :refund where buy_order_id = :id",
                Map.of("id", buyOrderId, "refund", refund));
    }

    /** The buy left the book unfilled: its hold is free. The first close is the one kept. */
    public Uni<Integer> close(UUID buyOrderId, String reason, Instant at) {
        return update("""
                update reservation_hold set closed_at = :at, closed_reason = :reason
                where buy_order_id = :id and closed_at is null""", Map.of("id", buyOrderId, "reason", reason,
                "at", utc(at)));
    }

    /** A metered period was charged: what it collected no longer sits in the hold. */
    public Uni<Integer> draw(UUID buyOrderId, long collected) {
        return update("update reservation_hold set drawn_nano_usd = drawn_nano_usd + :collected "
                + "where buy_order_id = :id", Map.of("id", buyOrderId, "collected", collected));
    }

    private static <T> Uni<T> session(Function<Mutiny.Session, Uni<T>> work) {
        return Panache.getSession().chain(session -> work.apply(session));
    }
}
