package computepool.market.domain;

/** A node registration that breaks a rule; {@code field} is the JSON path of the offending input. */
public class NodeRejected extends RuleBroken {

    public NodeRejected(String field, String reason) {
        super(field, reason);
    }
}
