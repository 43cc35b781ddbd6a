package computepool.payment.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How webhook deliveries are retried. */
@ConfigMapping(prefix = "computepool.webhooks")
public interface WebhookConfig {

    /** Attempts per delivery before it is abandoned. */
    @WithDefault("10")
    int maxAttempts();

    /** The wait after the first failed attempt; it doubles with each further one. */
    @WithDefault("10s")
    Duration initialBackoff();

    @WithDefault("1h")
    Duration maxBackoff();

    /** An endpoint that has not answered in this long has failed the attempt. */
    @WithDefault("10s")
    Duration timeout();

    @WithDefault("1s")
    Duration passInterval();
}
