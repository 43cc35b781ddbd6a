package computepool.localstack;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What one service's Kafka user may do on the platform's broker: write the topics it produces, read the topics it
 * consumes, in consumer groups of its own. proto/README.md's topic table is the source; local-stack's
 * {@code KafkaAccessTest} holds the two the same.
 *
 * <p>Two prefixes keep tests working without widening what a service can reach in a real deployment:
 * <ul>
 *   <li>a consumer may join any group named {@code <service without -svc>…} ({@code billing-svc},
 *       {@code billing-svc-test}, a journey's {@code billing-<run>}), and no other service's;</li>
 *   <li>a consumer of topic {@code t} may also read topics named {@code t-…}: the private copies of a topic that
 *       tests make. Only the broker's administrator can create a topic, so nobody else can make one to be read.</li>
 * </ul>
 * Nobody but the administrator may create, delete or alter topics, read another's groups, or touch the cluster.
 */
public record KafkaAccess(String service, Set<String> writes, Set<String> reads) {

    public static final List<KafkaAccess> SERVICES = List.of(
            new KafkaAccess("identity-svc", Set.of("identity"), Set.of()),
            new KafkaAccess("gateway-svc", Set.of("usage"), Set.of()),
            new KafkaAccess("market-svc", Set.of("usage", "market", "workers"), Set.of("workers")),
            new KafkaAccess("billing-svc", Set.of("billing"), Set.of("identity", "usage", "payment", "market")),
            new KafkaAccess("payment-svc", Set.of("payment"), Set.of("billing", "workers")),
            new KafkaAccess("sandbox-svc", Set.of(), Set.of()));

    public KafkaAccess {
        writes = Set.copyOf(writes);
        reads = Set.copyOf(reads);
    }

    /** The Kafka principal the broker knows the service as (its SCRAM user name). */
    public String principal() {
        return "User:" + service;
    }

    /** What the names of this service's consumer groups start with. */
    public String groupPrefix() {
        return service.endsWith("-svc") ? service.substring(0, service.length() - "-svc".length()) : service;
    }

    /** The ACLs that grant exactly this access; the broker denies whatever no ACL allows. */
    public List<AclBinding> bindings() {
        List<AclBinding> bindings = new ArrayList<>();
        writes.stream().sorted().forEach(topic -> {
            bindings.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
            bindings.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.DESCRIBE));
        });
        reads.stream().sorted().forEach(topic -> {
            bindings.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
            bindings.add(allow(ResourceType.TOPIC, topic + "-", PatternType.PREFIXED, AclOperation.READ));
        });
        if (!reads.isEmpty()) {
            bindings.add(allow(ResourceType.GROUP, groupPrefix(), PatternType.PREFIXED, AclOperation.READ));
        }
        return bindings;
    }

    private AclBinding allow(ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal(), "*", operation, AclPermissionType.ALLOW));
    }
}
