package computepool.market.matching;

import computepool.market.domain.RuleBroken;

/** An order that breaks a rule of the market; {@code field} names the offending order field. */
public class OrderRejected extends RuleBroken {

    public OrderRejected(String field, String reason) {
        super(field, reason);
    }

    static <T> T requireNonNull(T value, String field) {
        if (value == null) {
            throw new OrderRejected(field, "is required");
        }
        return value;
    }
}
