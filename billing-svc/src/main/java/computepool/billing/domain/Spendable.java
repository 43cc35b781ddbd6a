package computepool.billing.domain;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a developer can still spend, by meter: the wallets' balances less the holds placed and not yet ended.
 * Subsidised credit limited to some meters pays only for those, so a hold on another meter must fit in the paid
 * wallet alone; holds on covered meters may use either wallet. Both conditions together are exactly what the two
 * wallets can honour whatever order the holds are charged in (subsidised first where it may be spent).
 *
 * @param subsidisedMeters the meters subsidised credit pays for; empty for every meter
 * @param heldByMeter      the amounts of the developer's open holds, summed by meter
 */
public record Spendable(long paidBalance, long subsidisedBalance, Set<String> subsidisedMeters,
        Map<String, Long> heldByMeter) {

    public Spendable {
        subsidisedMeters = Set.copyOf(subsidisedMeters);
        heldByMeter = Map.copyOf(heldByMeter);
        heldByMeter.values().forEach(amount -> {
            if (amount < 0) {
                throw new IllegalArgumentException("a hold cannot be negative: " + amount);
            }
        });
    }

    /** Whether subsidised credit pays for the meter. */
    public boolean subsidisedCovers(String meter) {
        Objects.requireNonNull(meter, "meter");
        return subsidisedMeters.isEmpty() || subsidisedMeters.contains(meter);
    }

    /** The most a new hold, or a charge without an open hold, may take on the meter; never negative. */
    public long available(String meter) {
        long heldCovered = 0;
        long heldUncovered = 0;
        for (Map.Entry<String, Long> held : heldByMeter.entrySet()) {
            if (subsidisedCovers(held.getKey())) {
                heldCovered = Math.addExact(heldCovered, held.getValue());
            } else {
                heldUncovered = Math.addExact(heldUncovered, held.getValue());
            }
        }
        long paid = Math.max(paidBalance, 0);
        long everything = Math.addExact(paid, Math.max(subsidisedBalance, 0)) - heldCovered - heldUncovered;
        long available = subsidisedCovers(meter) ? everything : Math.min(paid - heldUncovered, everything);
        return Math.max(available, 0);
    }
}
