package computepool.market.matching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Random streams of sells, buys (spot bids among them), cancels, filled buys given up and passing hours through the
 * engine, every answer checked against {@link ReferenceBook}: no GPU-hour sold twice, no price outside a buy's limit
 * or a sell's minimum, spot bids at their clearing price, buys filled whole in one zone, cluster-only rules, power
 * budgets, price-time priority, refunds of the hours given up or preempted, only lower spot bids preempted, and no buy
 * left waiting that could fill (even by preempting).
 *
 * <p>Each stream comes from its own seed, so a failure names the seed and the steps that led to it, and the same
 * seed replays it; {@code -Dmatching.seed=N} runs that stream alone.
 */
class MatchingPropertiesTest {

    private static final int STREAMS = 1000;
    private static final int STEPS = 60;
    private static final long START_HOUR = 492_216;
    private static final long PRICE_STEP = 500_000_000;
    private static final List<GpuModel> MODELS = List.of(GpuModel.RTX_4090, GpuModel.H100_80GB);
    private static final List<String> ZONES = List.of("zone-a", "zone-b");

    /** How often each rule was put to work, so that a generator drifting into dull streams fails the test. */
    private static final class Coverage {
        int fills;
        int multiNode;
        int federated;
        int restingThenFilled;
        int notFilled;
        int expired;
        int cancelled;
        int cheaperElsewhere;
        int givenUp;
        int spotFills;
        int preempted;
    }

    @Test
    void randomOrderStreamsKeepEveryRule() {
        Coverage coverage = new Coverage();
        String only = System.getProperty("matching.seed");
        if (only != null) {
            new Stream(Long.parseLong(only), coverage).run();
            return;
        }
        for (long seed = 1; seed <= STREAMS; seed++) {
            new Stream(seed, coverage).run();
        }
        assertTrue(coverage.fills > 1000, "fills: " + coverage.fills);
        assertTrue(coverage.multiNode > 100, "multi-node fills: " + coverage.multiNode);
        assertTrue(coverage.federated > 100, "fills on federated nodes: " + coverage.federated);
        assertTrue(coverage.restingThenFilled > 100, "resting buys filled later: " + coverage.restingThenFilled);
        assertTrue(coverage.notFilled > 1000, "buys not filled: " + coverage.notFilled);
        assertTrue(coverage.expired > 100, "expired buys: " + coverage.expired);
        assertTrue(coverage.cancelled > 100, "cancelled orders: " + coverage.cancelled);
        assertTrue(coverage.cheaperElsewhere > 100, "fills passing over cheaper GPUs in other pools: "
                + coverage.cheaperElsewhere);
        assertTrue(coverage.givenUp > 100, "filled buys given up: " + coverage.givenUp);
        assertTrue(coverage.spotFills > 100, "spot fills: " + coverage.spotFills);
        assertTrue(coverage.preempted > 30, "spot buys preempted: " + coverage.preempted);
    }

    /** One stream: its own nodes, engine and reference book. */
    private static final class Stream {

        private final long seed;
        private final Random random;
        private final Coverage coverage;
        private final List<Node> nodes = new ArrayList<>();
        private final MatchingEngine engine = new MatchingEngine(START_HOUR);
        private final ReferenceBook book;
        private final List<UUID> placedIds = new ArrayList<>();
        private final List<UUID> filledIds = new ArrayList<>();
        private final List<String> log = new ArrayList<>();
        private long sequence;

        Stream(long seed, Coverage coverage) {
            this.seed = seed;
            this.random = new Random(seed);
            this.coverage = coverage;
            int nodeCount = 2 + random.nextInt(6);
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(randomNode(i));
            }
            this.book = new ReferenceBook(START_HOUR, nodes);
        }

        void run() {
            for (int step = 0; step < STEPS; step++) {
                try {
                    step();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("seed " + seed + ", step " + step + "\nnodes:\n  "
                            + nodes.stream().map(Node::toString).collect(Collectors.joining("\n  "))
                            + "\nsteps:\n  " + String.join("\n  ", log), e);
                }
            }
        }

        private Node randomNode(int index) {
            int budget = List.of(900, 1440, 2000, 4000).get(random.nextInt(4));
            List<GpuGroup> groups = new ArrayList<>();
            for (int g = 0; g < 1 + random.nextInt(2); g++) {
                List<Integer> limits = List.of(300, 450, 700).stream().filter(watts -> watts <= budget).toList();
                groups.add(new GpuGroup(MODELS.get(random.nextInt(MODELS.size())), 24, 1 + random.nextInt(4),
                        limits.get(random.nextInt(limits.size()))));
            }
            Interconnect interconnect = random.nextBoolean() ? Interconnect.CLUSTER : Interconnect.FEDERATED;
            return new Node(new UUID(seed, index), "op", "node-" + index, ZONES.get(random.nextInt(ZONES.size())),
                    interconnect, budget, groups, Instant.EPOCH);
        }

        private void step() {
            int kind = random.nextInt(100);
            if (kind < 35) {
                placeSell();
            } else if (kind < 75) {
                placeBuy();
            } else if (kind < 83) {
                cancel();
            } else if (kind < 90) {
                giveUp();
            } else {
                long hour = book.now + random.nextInt(3);
                log.add("advance to " + hour);
                List<BuyOrder> expired = engine.advanceTo(hour);
                assertEquals(book.advanceTo(hour), expired, "expired buys");
                coverage.expired += expired.size();
            }
        }

        private long price() {
            return (1 + random.nextInt(5)) * PRICE_STEP;
        }

        private void placeSell() {
            Node node = nodes.get(random.nextInt(nodes.size()));
            List<GpuModel> models = node.gpus().stream().map(GpuGroup::model).distinct().toList();
            GpuModel model = models.get(random.nextInt(models.size()));
            long start = book.now + random.nextInt(4);
            SellOrder sell = new SellOrder(new UUID(random.nextLong(), random.nextLong()), node, model,
                    1 + random.nextInt(ReferenceBook.cards(node, model)), start, start + 1 + random.nextInt(7),
                    price(), ++sequence, Optional.empty());
            log.add("sell " + sell);
            placedIds.add(sell.id());
            List<Execution> executions = engine.place(sell);
            book.place(sell);
            checkRestingFilled(executions);
        }

        /** Resting buys that filled because GPUs came to the book: in priority order, none left that could. */
        private void checkRestingFilled(List<Execution> executions) {
            for (Execution execution : executions) {
                BuyOrder buy = execution.buy();
                assertNotNull(book.restingBuys.get(buy.id()), "a buy filled by GPUs coming to the book was resting");
                for (BuyOrder better : book.restingBuys.values()) {
                    if (ReferenceBook.BUY_PRIORITY.compare(better, buy) < 0) {
                        assertFalse(book.couldFill(better), "resting buy " + better.id() + " could fill and ranks "
                                + "before " + buy.id());
                    }
                }
                checkAndApply(execution);
                book.restingBuys.remove(buy.id());
                coverage.restingThenFilled++;
            }
            for (BuyOrder resting : book.restingBuys.values()) {
                assertFalse(book.couldFill(resting), "resting buy " + resting.id() + " could fill");
            }
        }

        /** Gives up a filled buy's hours that have not begun, or finds there is nothing to give up. */
        private void giveUp() {
            UUID id = filledIds.isEmpty() || random.nextInt(10) == 0
                    ? new UUID(random.nextLong(), random.nextLong())
                    : filledIds.get(random.nextInt(filledIds.size()));
            log.add("give up " + id);
            ReferenceBook.Held held = book.holdings.get(id);
            long from = held == null ? 0 : Math.max(held.buy().startHour(), book.now + 1);
            if (held == null || from >= held.endHour) {
                OrderRejected rejected = assertThrows(OrderRejected.class, () -> engine.cancelFilled(id),
                        "nothing of " + id + " is left to give up");
                assertEquals("buyOrderId", rejected.field());
                return;
            }
            Cancellation cancellation = engine.cancelFilled(id);
            assertEquals(from, cancellation.fromHour(), "the first hour not begun");
            assertEquals(book.giveBack(held, new HourSpan(from, held.endHour)), cancellation.refundNanoUsd(),
                    "refund of the hours given up at their prices");
            coverage.givenUp++;
            checkRestingFilled(cancellation.executions());
        }

        private void placeBuy() {
            GpuModel model = MODELS.get(random.nextInt(MODELS.size()));
            long start = book.now + random.nextInt(4);
            int gpus = random.nextInt(4) == 0 ? 1 + random.nextInt(8) : 1 + random.nextInt(3);
            TimeInForce timeInForce = start > book.now && random.nextInt(10) < 7
                    ? TimeInForce.standingUntil(book.now + 1 + random.nextInt((int) (start - book.now)))
                    : TimeInForce.immediateOrCancel();
            boolean spot = timeInForce instanceof TimeInForce.ImmediateOrCancel && random.nextInt(2) == 0;
            BuyOrder buy = new BuyOrder(new UUID(random.nextLong(), random.nextLong()), model, gpus, start,
                    1 + random.nextInt(4), price() + (random.nextInt(4) == 0 ? PRICE_STEP : 0),
                    random.nextInt(4) == 0, timeInForce, ++sequence, spot);
            log.add("buy " + buy);
            placedIds.add(buy.id());
            BuyOutcome outcome = engine.place(buy);
            switch (outcome) {
                case BuyOutcome.Filled filled -> {
                    assertEquals(buy, filled.execution().buy());
                    for (Preemption preemption : filled.preempted()) {
                        checkAndApply(preemption, buy);
                    }
                    checkAndApply(filled.execution());
                    checkRestingFilled(filled.restingFilled());
                }
                case BuyOutcome.Resting resting -> {
                    assertInstanceOf(TimeInForce.Standing.class, buy.timeInForce(), "only a standing buy rests");
                    assertFalse(book.couldFillPreempting(buy), "a buy that could fill rests");
                    book.restingBuys.put(buy.id(), buy);
                    coverage.notFilled++;
                }
                case BuyOutcome.Cancelled cancelled -> {
                    assertInstanceOf(TimeInForce.ImmediateOrCancel.class, buy.timeInForce(),
                            "only an immediate-or-cancel buy is cancelled");
                    assertFalse(book.couldFillPreempting(buy), "a buy that could fill was cancelled");
                    coverage.notFilled++;
                }
            }
        }

        private void cancel() {
            UUID id = placedIds.isEmpty() || random.nextInt(10) == 0
                    ? new UUID(random.nextLong(), random.nextLong())
                    : placedIds.get(random.nextInt(placedIds.size()));
            log.add("cancel " + id);
            boolean inBook = book.liveSells.containsKey(id) || book.restingBuys.containsKey(id);
            assertEquals(inBook, engine.cancel(id), "cancel of " + id + " found it in the book");
            book.liveSells.remove(id);
            book.restingBuys.remove(id);
            if (inBook) {
                coverage.cancelled++;
            }
        }

        /** Checks that a spot buy with a lower bid lost its GPUs from the buy's start, then gives them back. */
        private void checkAndApply(Preemption preemption, BuyOrder by) {
            log.add("  preempted " + preemption);
            ReferenceBook.Held spot = book.holdings.get(preemption.buyOrderId());
            assertNotNull(spot, "the preempted buy holds GPUs");
            assertTrue(spot.buy().spot(), "only spot buys are preempted");
            assertTrue(spot.buy().limitPriceNanoUsdPerGpuHour() < by.limitPriceNanoUsdPerGpuHour(),
                    "by a higher bid");
            HourSpan lost = book.preemptedSpan(spot, by).orElseThrow();
            assertEquals(lost.start(), preemption.fromHour(), "from the later of the two starts, never the hour now");
            assertEquals(book.giveBack(spot, lost), preemption.refundNanoUsd(), "refund of the hours lost");
            coverage.preempted++;
        }

        /** Checks one execution against the book as it was before, then applies it. */
        private void checkAndApply(Execution execution) {
            log.add("  filled " + execution.fills());
            BuyOrder buy = execution.buy();
            List<Fill> fills = execution.fills();
            assertFalse(fills.isEmpty(), "an execution has fills");
            assertEquals(buy.gpuCount(), fills.stream().mapToInt(Fill::gpuCount).sum(), "filled whole");

            List<SellOrder> sells = new ArrayList<>();
            long clearingPrice = fills.stream().mapToLong(fill -> book.liveSells.get(fill.sellOrderId())
                    .minPriceNanoUsdPerGpuHour()).max().orElseThrow();
            for (Fill fill : fills) {
                SellOrder sell = book.liveSells.get(fill.sellOrderId());
                assertNotNull(sell, "fill of a sell in the book: " + fill);
                sells.add(sell);
                assertEquals(buy.id(), fill.buyOrderId());
                assertEquals(buy.gpuModel(), fill.gpuModel());
                assertEquals(buy.span(), fill.span());
                assertEquals(sell.node().id(), fill.nodeId());
                assertTrue(fill.gpuCount() >= 1, "fill of at least one GPU");
                assertTrue(ReferenceBook.eligible(sell, buy), "sell " + sell.id() + " may serve the buy");
                assertEquals(buy.spot() ? clearingPrice : sell.minPriceNanoUsdPerGpuHour(),
                        fill.priceNanoUsdPerGpuHour(), "the sell's price, or a spot bid's clearing price");
                assertTrue(fill.priceNanoUsdPerGpuHour() <= buy.limitPriceNanoUsdPerGpuHour(), "within the limit");
                assertEquals(fill.priceNanoUsdPerGpuHour() * fill.gpuCount() * buy.hours(), fill.costNanoUsd());
            }
            for (int i = 1; i < sells.size(); i++) {
                assertTrue(ReferenceBook.RANK.compare(sells.get(i - 1), sells.get(i)) < 0, "fills cheapest first");
            }
            Set<String> zones = sells.stream().map(sell -> sell.node().zone()).collect(Collectors.toSet());
            assertEquals(1, zones.size(), "one zone");
            Set<Node> usedNodes = sells.stream().map(SellOrder::node).collect(Collectors.toSet());
            boolean allCluster = usedNodes.stream().allMatch(node -> node.interconnect() == Interconnect.CLUSTER);
            if (usedNodes.size() > 1 || buy.latencySensitive()) {
                assertTrue(allCluster, "multi-node or latency-sensitive buys on cluster nodes only");
            }

            // Price-time priority: no pool could have held the buy with sells ranked before the last one taken.
            SellOrder last = sells.getLast();
            for (ReferenceBook.Pool pool : book.poolsFor(buy)) {
                assertTrue(book.capacity(buy, pool, last) < buy.gpuCount(),
                        "pool " + pool + " could fill before sell " + last.id());
            }
            ReferenceBook.Pool chosen = new ReferenceBook.Pool(last.node().zone(), allCluster ? null : last.node());
            boolean cheaperElsewhere = book.liveSells.values().stream()
                    .anyMatch(sell -> ReferenceBook.eligible(sell, buy) && !chosen.holds(sell.node())
                            && ReferenceBook.RANK.compare(sell, last) < 0
                            && Math.min(book.unsold(sell, buy.span()),
                                    book.spareCards(sell.node(), buy.gpuModel(), buy.span())) > 0);

            book.apply(execution);
            filledIds.add(buy.id());

            for (Node node : usedNodes) {
                for (long hour = buy.startHour(); hour < buy.span().end(); hour++) {
                    assertTrue(book.wattsInUse(node, hour) <= node.powerBudgetWatts(), "power of " + node.name());
                    assertTrue(book.cardsInUse(node, buy.gpuModel(), hour)
                            <= ReferenceBook.cards(node, buy.gpuModel()), "cards of " + node.name());
                }
            }
            for (SellOrder sell : sells) {
                for (long hour = buy.startHour(); hour < buy.span().end(); hour++) {
                    assertTrue(book.sold(sell, hour) <= sell.gpuCount(), "sold of sell " + sell.id());
                }
            }
            // Within the pool, every sell ranked before the last one gave all it and its node could.
            for (SellOrder sell : book.liveSells.values()) {
                if (chosen.holds(sell.node()) && ReferenceBook.eligible(sell, buy)
                        && ReferenceBook.RANK.compare(sell, last) < 0) {
                    long spare = Math.min(book.unsold(sell, buy.span()),
                            book.spareCards(sell.node(), buy.gpuModel(), buy.span()));
                    assertEquals(0, spare, "sell " + sell.id() + " ranked before the last one taken has GPUs left");
                }
            }
            coverage.fills++;
            coverage.spotFills += buy.spot() ? 1 : 0;
            coverage.multiNode += usedNodes.size() > 1 ? 1 : 0;
            coverage.federated += allCluster ? 0 : 1;
            coverage.cheaperElsewhere += cheaperElsewhere ? 1 : 0;
        }
    }
}
