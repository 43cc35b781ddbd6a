package computepool.market.domain;

/** Input that breaks a rule of the market; {@code field} names the offending input, {@code reason} says why. */
public abstract class RuleBroken extends RuntimeException {

    private final String field;
    private final String reason;

    protected RuleBroken(String field, String reason) {
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
}
