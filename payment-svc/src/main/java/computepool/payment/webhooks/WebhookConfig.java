package computepool.payment.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where webhooks may go, how they are found, and how their deliveries are run and retried. */
@ConfigMapping(prefix = "computepool.webhooks")
public interface WebhookConfig {

    /** Attempts per delivery before it is abandoned. */
    @WithDefault("10")
    int maxAttempts();

    /** The wait after the first failed attempt; it doubles with each further one. */
    @WithDefault("10s")
    Duration initialBackoff();

    /** The longest wait between two attempts. */
    @WithDefault("1h")
    Duration maxBackoff();

    /** An endpoint that has not answered in this long has failed the attempt. */
    @WithDefault("10s")
    Duration timeout();

    /** The pause between two looks for due deliveries. */
    @WithDefault("1s")
    Duration passInterval();

    /** How many owners' deliveries are sent at once; each owner's go one after another, in order. */
    @WithDefault("32")
    int maxConcurrentOwners();

    /**
     * Hosts, by exact name or IP literal, that may be reached whatever they resolve to: for development against
     * this machine only, never in production.
     */
    Optional<List<String>> allowedHosts();

    /** How webhook hosts are resolved. */
    Resolve resolve();

    interface Resolve {

        /** Fixed addresses by host name, answered before anything else: {@code hosts."hooks.example.com"=192.0.2.10}. */
        Map<String, List<String>> hosts();

        /** Whether names with no fixed entry, and not IP literals, are looked up in the system's DNS. */
        @WithDefault("true")
        boolean systemDns();
    }
}
