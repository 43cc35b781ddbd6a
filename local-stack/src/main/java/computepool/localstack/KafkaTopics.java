package computepool.localstack;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.ResourcePatternFilter;

/** Topics, users and ACLs on the stack's broker, through the AdminClient logged in as its administrator. */
public final class KafkaTopics implements AutoCloseable {

    /** One topic per aggregate family, as the architecture names them. */
    public static final List<String> PLATFORM = List.of(
            "usage", "billing", "market", "identity", "sandbox", "payment", "workers");
    public static final int DEFAULT_PARTITIONS = 3;

    /** Module tests' private copies of platform topics that a service reads from its start (payment-svc's). */
    public static final List<String> TEST_COPIES = List.of("billing-payment-test", "workers-payment-test");
    /** SCRAM's minimum; a login is checked once per connection, so more would only slow every client's start. */
    private static final int SCRAM_ITERATIONS = 4096;

    private final Admin admin;

    public KafkaTopics(Map<String, Object> clientConfig) {
        this.admin = Admin.create(quickAdmin(clientConfig));
    }

    /** Answers whether the broker is up and knows itself as a cluster member. */
    public boolean ready() throws InterruptedException {
        return ready(admin);
    }

    /** Whether a client with these settings gets in (its login accepted) and sees the cluster. */
    public static boolean canLogIn(Map<String, Object> clientConfig) throws InterruptedException {
        try (Admin client = Admin.create(quickAdmin(clientConfig))) {
            return ready(client);
        }
    }

    private static boolean ready(Admin client) throws InterruptedException {
        try {
            return !client.describeCluster(new DescribeClusterOptions().timeoutMs(2_000))
                    .nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    private static Map<String, Object> quickAdmin(Map<String, Object> clientConfig) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return config;
    }

    /**
     * Gives the service its SCRAM user with this password and exactly the ACLs of {@code access}: those it had and no
     * longer should are deleted, so a stack started from an older table is brought up to date.
     */
    public void grant(KafkaAccess access, String password) throws InterruptedException {
        try {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(access.service(),
                    new ScramCredentialInfo(ScramMechanism.fromMechanismName(KafkaLogin.MECHANISM), SCRAM_ITERATIONS),
                    password))).all().get();
            AclBindingFilter ofPrincipal = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter(access.principal(), null, AclOperation.ANY, AclPermissionType.ANY));
            Set<AclBinding> held = Set.copyOf(admin.describeAcls(ofPrincipal).values().get());
            Set<AclBinding> wanted = Set.copyOf(access.bindings());
            List<AclBindingFilter> stale = held.stream().filter(binding -> !wanted.contains(binding))
                    .map(AclBinding::toFilter).toList();
            if (!stale.isEmpty()) {
                admin.deleteAcls(stale).all().get();
            }
            List<AclBinding> missing = wanted.stream().filter(binding -> !held.contains(binding)).toList();
            if (!missing.isEmpty()) {
                admin.createAcls(missing).all().get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot give " + access.service() + " its Kafka user and ACLs", e.getCause());
        }
    }

    /** Creates each topic that does not exist yet, with replication factor 1 (the stack has one broker). */
    public void create(Collection<String> topics, int partitions) throws InterruptedException {
        List<NewTopic> requested = topics.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList();
        for (Map.Entry<String, KafkaFuture<Void>> result : admin.createTopics(requested).values().entrySet()) {
            try {
                result.getValue().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + result.getKey(), e.getCause());
                }
            }
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
