package computepool.market.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** Settings of the shard-worker registry and the order book. */
@ConfigMapping(prefix = "computepool.market")
public interface RegistryConfig {

    /** How long a worker may stay silent (no heartbeat, no announcement) before it is unhealthy and leaves pipelines. */
    @WithDefault("15s")
    Duration workerSilenceLimit();

    /** How long a node may go without a heartbeat from its agent before it is no longer offered to buyers. */
    @WithDefault("60s")
    Duration nodeSilenceLimit();

    /**
     * How often the book withdraws silent nodes' sells and announces reservations' starts and ends (read by the
     * scheduler from {@code computepool.market.book-tick}).
     */
    @WithDefault("10s")
    Duration bookTick();

    /**
     * The shortest period of a reservation's GPU time published as one ReservationUsage (its last period may be
     * shorter): longer periods mean fewer events, shorter ones fresher balances.
     */
    @WithDefault("60s")
    Duration usagePeriod();

    /** How long a buy waits for billing-svc to hold its funds before it is refused with 503. */
    @WithDefault("5s")
    Duration fundingTimeout();

    /**
     * What one layer of each model the registry routes takes on a GPU, by model id: a worker of a model missing here
     * is refused, since no node can be shown to hold it.
     */
    Map<String, ModelFootprint> models();

    interface ModelFootprint {

        /** One layer's weights in bytes, in fp32 (the largest form a worker holds them in). */
        long layerBytes();

        /** KV cache of one token in one layer, in bytes. */
        long kvBytesPerToken();
    }
}
