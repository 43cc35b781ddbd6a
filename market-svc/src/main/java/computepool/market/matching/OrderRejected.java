package computepool.market.matching;

/** An order that breaks a rule of the market; {@code field} names the offending order field. */
public class OrderRejected extends RuntimeException {

    private final String field;
    private final String reason;

    public OrderRejected(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    static <T> T requireNonNull(T value, String field) {
        if (value == null) {
            throw new OrderRejected(field, "is required");
        }
        return value;
    }
}
