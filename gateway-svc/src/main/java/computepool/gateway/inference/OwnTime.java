package computepool.gateway.inference;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The gateway's own time per request, server-side: from receiving the request to sending the session's first frames
 * to the entry shard, plus from the last event of the session to the answer being written out. What the shards take
 * is not in it. Published at {@code /q/metrics} as a histogram and with its recent median and 99th percentile,
 * beside the same measure of the echo route, the baseline of the HTTP stack alone.
 */
@Singleton
public class OwnTime {

    private final Timer completions;
    private final Timer toEntry;
    private final Timer toFlush;
    private final Timer echo;
    private final Timer hold;
    private final Timer holdPlaced;

    public OwnTime(MeterRegistry registry) {
        this.completions = timer(registry, "computepool.gateway.own.time",
                "Gateway time of a completion: request to entry shard, plus last token to flushed answer");
        this.toEntry = timer(registry, "computepool.gateway.own.to.entry.time",
                "Gateway time of a completion from the request to the session's frames sent to the entry shard");
        this.toFlush = timer(registry, "computepool.gateway.own.to.flush.time",
                "Gateway time of a completion from the session's last event to the answer written out");
        this.echo = timer(registry, "computepool.gateway.echo.time",
                "Echo route time: request to flushed answer, the HTTP stack alone");
        this.hold = timer(registry, "computepool.gateway.hold.time",
                "Part of the time to the entry shard spent admitting the request against its developer's funds: "
                        + "this gateway's lease, and billing-svc only when the lease is short");
        this.holdPlaced = timer(registry, "computepool.gateway.hold.placed.time",
                "Off the client's path: billing-svc placing an admitted request's hold out of the lease (gRPC and "
                        + "PostgreSQL), what admitting a request would wait for without the lease");
    }

    /**
     * Cumulative buckets fine enough below a millisecond, where this time should be: a benchmark takes their counts
     * before and after a run and reads its quantiles from the difference, warm-up excluded.
     */
    private static final Duration[] BUCKETS = Stream.of(25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900,
                    1_000, 1_250, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 7_500, 10_000, 20_000, 50_000, 100_000,
                    250_000, 500_000, 1_000_000)
            .map(micros -> Duration.ofNanos(micros * 1_000L)).toArray(Duration[]::new);

    private static Timer timer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name)
                .description(description)
                .serviceLevelObjectives(BUCKETS)
                .publishPercentiles(0.5, 0.99)
                .percentilePrecision(3)
                .register(registry);
    }

    void completion(long toEntryNanos, long toFlushNanos) {
        toEntry.record(Duration.ofNanos(toEntryNanos));
        toFlush.record(Duration.ofNanos(toFlushNanos));
        completions.record(Duration.ofNanos(toEntryNanos + toFlushNanos));
    }

    void echo(long nanos) {
        echo.record(Duration.ofNanos(nanos));
    }

    void hold(long nanos) {
        hold.record(Duration.ofNanos(nanos));
    }

    public void holdPlaced(long nanos) {
        holdPlaced.record(Duration.ofNanos(nanos));
    }
}
