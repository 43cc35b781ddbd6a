package computepool.localstack;

import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * A SCRAM user of the stack's broker: the client settings that log in as it. Every client of the broker logs in;
 * its listener takes no other kind of connection.
 */
public record KafkaLogin(String user, String password) {

    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String PROTOCOL = "SASL_PLAINTEXT";
    public static final String ADMIN = "admin";

    public KafkaLogin {
        // Both end up between double quotes in a JAAS line: generated secrets never hold one, and nothing else may.
        if (user.contains("\"") || password.contains("\"")) {
            throw new IllegalArgumentException("a Kafka login may not contain a double quote");
        }
    }

    public String jaasConfig() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** The settings of a plain Kafka client (producer, consumer, admin) logging in as this user. */
    public Map<String, Object> clientConfig(String bootstrapServers) {
        return Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, PROTOCOL,
                SaslConfigs.SASL_MECHANISM, MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG, jaasConfig());
    }

    /** The same settings as a Quarkus service takes them ({@code kafka.*}, shared by its channels and clients). */
    public Map<String, String> quarkusConfig() {
        return Map.of(
                "kafka." + CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, PROTOCOL,
                "kafka." + SaslConfigs.SASL_MECHANISM, MECHANISM,
                "kafka." + SaslConfigs.SASL_JAAS_CONFIG, jaasConfig());
    }
}
