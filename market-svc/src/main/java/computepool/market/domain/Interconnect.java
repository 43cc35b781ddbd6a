package computepool.market.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a node is connected to its peers. Latency-sensitive work (multi-node training) goes only to
 * cluster nodes; federated nodes take latency-tolerant work.
 */
public enum Interconnect {
    /** A standalone node joined over a VPN, such as a Nanopod at someone's home. */
    FEDERATED("federated"),
    /** A node inside a central InfiniBand or RoCE cluster. */
    CLUSTER("cluster");

    /** Every wire name, as a regular expression for Bean Validation at the REST edge. */
    public static final String NAMES = "federated|cluster";
    public static final String MUST_BE_KNOWN = "must be federated or cluster";

    private final String wireName;

    Interconnect(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<Interconnect> named(String wireName) {
        return Arrays.stream(values()).filter(i -> i.wireName.equals(wireName)).findFirst();
    }
}
