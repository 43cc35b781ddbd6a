package computepool.shard.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plaintext gRPC channels to shard workers, one per address, shared by every session that goes there. The addresses
 * come from tickets and the registry, so what they cost is bounded: at most {@link #MAX_CHANNELS} are kept, one
 * unused for {@link #IDLE} is closed, and a new address beyond the bound closes the least recently used one. Closing
 * is graceful: calls in flight on it run to their end.
 *
 * <p>Every channel pings its shard when nothing has arrived on it for {@link #KEEPALIVE_TIME} while a session runs,
 * and gives the connection up when no answer comes within {@link #KEEPALIVE_TIMEOUT}: a worker whose machine drops
 * off the network without closing its connections fails its sessions with {@code UNAVAILABLE} within their sum,
 * instead of leaving them waiting. gRPC pings no more often than every 10 s.
 */
public final class ShardChannels implements AutoCloseable {

    /** Prefill chunks of hidden states stay far below this; it bounds what a peer can make us buffer. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    static final int MAX_CHANNELS = 64;
    static final Duration IDLE = Duration.ofMinutes(5);
    public static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);

    private final int maxChannels;
    private final Duration idle;
    private final Duration keepaliveTimeout;
    private final Clock clock;
    /** In order of last use, the least recent first. */
    private final LinkedHashMap<String, Kept> channels = new LinkedHashMap<>(16, 0.75f, true);

    public ShardChannels() {
        this(MAX_CHANNELS, IDLE, KEEPALIVE_TIMEOUT, Clock.systemUTC());
    }

    ShardChannels(int maxChannels, Duration idle, Duration keepaliveTimeout, Clock clock) {
        this.maxChannels = maxChannels;
        this.idle = idle;
        this.keepaliveTimeout = keepaliveTimeout;
        this.clock = clock;
    }

    public ManagedChannel get(String address) {
        List<ManagedChannel> closing = new ArrayList<>();
        ManagedChannel channel;
        synchronized (this) {
            Instant now = clock.instant();
            Kept kept = channels.get(address);
            if (kept == null) {
                kept = new Kept(ManagedChannelBuilder.forTarget(address)
                        .usePlaintext()
                        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                        .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                        .keepAliveTimeout(keepaliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .keepAliveWithoutCalls(false)
                        .build());
                channels.put(address, kept);
            }
            kept.lastUsed = now;
            channel = kept.channel;
            Iterator<Map.Entry<String, Kept>> eldestFirst = channels.entrySet().iterator();
            while (eldestFirst.hasNext()) {
                Kept eldest = eldestFirst.next().getValue();
                boolean unused = eldest.lastUsed.plus(idle).isBefore(now);
                if (eldest == kept || !unused && channels.size() <= maxChannels) {
                    break;
                }
                closing.add(eldest.channel);
                eldestFirst.remove();
            }
        }
        closing.forEach(ManagedChannel::shutdown);
        return channel;
    }

    /** How many channels are open: for tests. */
    synchronized int open() {
        return channels.size();
    }

    @Override
    public void close() {
        List<ManagedChannel> all;
        synchronized (this) {
            all = channels.values().stream().map(kept -> kept.channel).toList();
            channels.clear();
        }
        all.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel channel : all) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static final class Kept {
        final ManagedChannel channel;
        Instant lastUsed;

        Kept(ManagedChannel channel) {
            this.channel = channel;
        }
    }
}
