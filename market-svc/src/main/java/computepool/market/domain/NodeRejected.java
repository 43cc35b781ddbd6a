package computepool.market.domain;

/** A node registration that breaks a rule; {@code field} is the JSON path of the offending input. */
public class NodeRejected extends RuntimeException {

    private final String field;
    private final String reason;

    public NodeRejected(String field, String reason) {
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
