package computepool.payment.pay;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How operators are paid: the settlement epoch, and how often a pass over the coalitions runs. */
@ConfigMapping(prefix = "computepool.pay")
public interface PayConfig {

    /** Off in a replica that must not send pay (one replica pays; chain actions keep a second one harmless). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Length of a settlement epoch. Epochs are counted from the Unix epoch, so every replica agrees on their
     * bounds; earnings are settled by the epoch in which this service received them.
     */
    @WithDefault("1h")
    Duration epochLength();

    /** The flow distribution's rate and its members' units are updated at most this often. */
    @WithDefault("60s")
    Duration flowInterval();

    /** The rate follows what was earned over this recent window. */
    @WithDefault("15m")
    Duration flowWindow();

    /**
     * The rate never exceeds what is unpaid divided by this horizon, and each operator's share of the flow is its
     * share of what is unpaid: so until the next update, however late, no operator is paid ahead of its earnings
     * unless updates stop for longer than the horizon.
     */
    @WithDefault("30m")
    Duration flowHorizon();

    /**
     * A shard worker silent this long (no heartbeat, no announcement) has left its session; if its last heartbeat
     * had sessions in flight it vanished mid-session and its operator is slashed. As long as market-svc's
     * registry waits before dropping it from pipelines.
     */
    @WithDefault("15s")
    Duration workerSilenceLimit();

    /** Pause between two passes over the coalitions. */
    @WithDefault("2s")
    Duration passInterval();
}
