package computepool.localstack.quarkus;

import java.util.HashMap;
import java.util.Map;

/**
 * Plain Kafka clients for tests: logged in as the stack's broker administrator, who may write and read every topic
 * (tests publish as any producer and read what services published). Services themselves log in as their own users.
 */
public final class TestKafka {

    private TestKafka() {
    }

    /** The broker's address and the administrator's login. */
    public static Map<String, Object> adminConfig() {
        return TestLogins.env().kafkaAdminConfig();
    }

    /** {@link #adminConfig()} with a client's own settings added. */
    public static Map<String, Object> adminConfig(Map<String, Object> settings) {
        Map<String, Object> config = new HashMap<>(adminConfig());
        config.putAll(settings);
        return config;
    }
}
