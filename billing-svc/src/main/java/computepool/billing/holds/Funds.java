package computepool.billing.holds;

import computepool.billing.domain.Spendable;
import computepool.billing.store.LedgerStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Reads what a developer can spend, inside a transaction that holds the developer's wallets locked. */
@ApplicationScoped
public class Funds {

    /**
     * Balances (as of locking the wallets), the subsidised credit's meters and the open holds — requests', market
     * buys' and gateways' leases, by the database's {@code open_holds} — except {@code exceptHold}: the request hold,
     * buy or lease being charged or drawn on. One statement: this is on the path of every hold and charge.
     */
    public Uni<Spendable> spendable(LedgerStore.Wallets wallets, Instant now, Optional<UUID> exceptHold) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        select meter, null::bigint from spendable_meter where account_id = :subsidised
                        union all
                        select meter, sum(amount_nano_usd)::bigint from open_holds(array[:paid]::uuid[], :now)
                        where id <> :except group by meter""", Object[].class)
                .setParameter("subsidised", wallets.subsidised())
                .setParameter("paid", wallets.paid())
                .setParameter("now", now.atOffset(ZoneOffset.UTC))
                .setParameter("except", exceptHold.orElse(new UUID(0, 0)))
                .getResultList())
                .map(rows -> {
                    Set<String> meters = new HashSet<>();
                    Map<String, Long> held = new HashMap<>();
                    for (Object[] row : rows) {
                        if (row[1] == null) {
                            meters.add((String) row[0]);
                        } else {
                            held.put((String) row[0], ((Number) row[1]).longValue());
                        }
                    }
                    return new Spendable(wallets.paidBalance(), wallets.subsidisedBalance(), meters, held);
                });
    }
}
