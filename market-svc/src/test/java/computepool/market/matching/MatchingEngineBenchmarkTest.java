package computepool.market.matching;

import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import computepool.localstack.bench.BenchmarkReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The engine's throughput on one thread: seeded streams of orders over a thousand nodes and a week of hours (a third
 * sells, the rest buys, one in five standing), placed one after the other, at growing stream lengths to show how the
 * rate falls as the book fills. Against a baseline measured in the same run: the same orders built and kept in
 * price-time order in one sorted set, which is what any book pays before it matches anything. Target: at least
 * 100,000 orders/s. At smoke size only the shortest stream runs, once warm. The report goes to
 * {@code target/benchmarks/MatchingEngineBenchmarkTest.txt}.
 */
class MatchingEngineBenchmarkTest {

    private static final int NODES = 1_000;
    private static final long START_HOUR = 500_000;
    private static final int HORIZON_HOURS = 168;
    private static final List<GpuModel> MODELS = List.of(GpuModel.RTX_4090, GpuModel.H100_80GB);
    private static final List<String> ZONES = List.of("zone-a", "zone-b", "zone-c", "zone-d");

    private sealed interface Step {
    }

    private record Sell(UUID id, Node node, GpuModel model, int count, long start, long end, long price)
            implements Step {
    }

    private record Buy(UUID id, GpuModel model, int count, long start, int hours, long limit, boolean latencySensitive,
            boolean standing) implements Step {
    }

    @Test
    void ordersPerSecondOnOneThreadAgainstASortedSet() {
        BenchmarkReport report = BenchmarkReport.of(getClass());
        List<Integer> streamLengths = report.size().pick(List.of(2_000), List.of(2_000, 8_000, 16_000));
        int rounds = report.size().pick(2, 3);
        report.line("matching engine, one thread, over %,d nodes and %d hours, best of %d runs", NODES, HORIZON_HOURS,
                rounds - 1);
        report.line("    orders   baseline orders/s   engine orders/s   engine time / baseline   buys filled");
        double lastRate = 0;
        double lastRatio = 0;
        for (int orders : streamLengths) {
            List<Step> steps = stream(new Random(20261128), orders);
            double baseline = 0;
            double engine = 0;
            long filled = 0;
            // The first round warms the JIT up; the best of the others counts.
            for (int round = 0; round < rounds; round++) {
                long started = System.nanoTime();
                long kept = sortedSet(steps);
                double baselineRate = orders / seconds(started);
                started = System.nanoTime();
                filled = engine(steps);
                double engineRate = orders / seconds(started);
                assertTrue(kept == orders, "every order kept by the baseline");
                if (round > 0) {
                    baseline = Math.max(baseline, baselineRate);
                    engine = Math.max(engine, engineRate);
                }
            }
            assertTrue(filled > orders / 20, "a stream where buys fill: " + filled);
            report.line("  %,8d   %,17.0f   %,15.0f   %21.1fx   %,11d", orders, baseline, engine, baseline / engine,
                    filled);
            lastRate = engine;
            lastRatio = baseline / engine;
        }
        report.ratio("engine time / sorted-set time at %,d orders".formatted(streamLengths.getLast()), lastRatio);
        report.line("target >= 100,000 orders/s (at %,d orders): %s", streamLengths.getLast(),
                lastRate >= 100_000 ? "met" : "missed");
        report.write();
    }

    private static long engine(List<Step> steps) {
        MatchingEngine book = new MatchingEngine(START_HOUR - 1);
        long sequence = 0;
        long filled = 0;
        for (Step step : steps) {
            sequence++;
            switch (step) {
                case Sell sell -> filled += book.place(new SellOrder(sell.id(), sell.node(), sell.model(), sell.count(),
                        sell.start(), sell.end(), sell.price(), sequence, Optional.empty())).size();
                case Buy buy -> {
                    BuyOutcome outcome = book.place(new BuyOrder(buy.id(), buy.model(), buy.count(), buy.start(),
                            buy.hours(), buy.limit(), buy.latencySensitive(), buy.standing()
                                    ? TimeInForce.standingUntil(buy.start()) : TimeInForce.immediateOrCancel(),
                            sequence, false));
                    filled += outcome instanceof BuyOutcome.Filled ? 1 : 0;
                }
            }
        }
        return filled;
    }

    /** The baseline: the same orders built (and validated) and kept by price, then arrival, in one sorted set. */
    private static long sortedSet(List<Step> steps) {
        record Kept(long price, long sequence, Object order) {
        }
        TreeSet<Kept> kept = new TreeSet<>(Comparator.comparingLong(Kept::price).thenComparingLong(Kept::sequence));
        long sequence = 0;
        for (Step step : steps) {
            sequence++;
            switch (step) {
                case Sell sell -> kept.add(new Kept(sell.price(), sequence, new SellOrder(sell.id(), sell.node(),
                        sell.model(), sell.count(), sell.start(), sell.end(), sell.price(), sequence, Optional.empty())));
                case Buy buy -> kept.add(new Kept(buy.limit(), sequence, new BuyOrder(buy.id(), buy.model(),
                        buy.count(), buy.start(), buy.hours(), buy.limit(), buy.latencySensitive(), buy.standing()
                                ? TimeInForce.standingUntil(buy.start()) : TimeInForce.immediateOrCancel(),
                        sequence, false)));
            }
        }
        return kept.size();
    }

    private static List<Step> stream(Random random, int orders) {
        List<Node> nodes = new ArrayList<>(NODES);
        for (int i = 0; i < NODES; i++) {
            boolean cluster = i % 4 == 0;
            nodes.add(new Node(new UUID(0, i), "operator-" + i % 50, "node-" + i, ZONES.get(i % ZONES.size()),
                    cluster ? Interconnect.CLUSTER : Interconnect.FEDERATED, cluster ? 6_000 : 1_440,
                    List.of(new GpuGroup(MODELS.get(i % MODELS.size()), 80, cluster ? 8 : 4, cluster ? 700 : 450)),
                    Instant.EPOCH));
        }
        List<Step> steps = new ArrayList<>(orders);
        for (int i = 0; i < orders; i++) {
            GpuModel model = MODELS.get(random.nextInt(MODELS.size()));
            if (i % 3 == 0) {
                Node node = nodes.get(random.nextInt(NODES));
                model = node.gpus().getFirst().model();
                long start = START_HOUR + random.nextInt(HORIZON_HOURS - 24);
                steps.add(new Sell(UUID.randomUUID(), node, model, 1 + random.nextInt(node.gpus().getFirst().count()),
                        start, start + 4 + random.nextInt(20), price(random)));
            } else {
                steps.add(new Buy(UUID.randomUUID(), model, 1 + random.nextInt(4),
                        START_HOUR + random.nextInt(HORIZON_HOURS - 8), 1 + random.nextInt(8), price(random),
                        random.nextInt(10) == 0, random.nextInt(5) == 0));
            }
        }
        return steps;
    }

    /** 1 to 4 USD per GPU-hour, in steps of 10 cents. */
    private static long price(Random random) {
        return (10 + random.nextInt(31)) * 100_000_000L;
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
