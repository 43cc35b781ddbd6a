package computepool.market.matching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.market.domain.GpuGroup;
import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import computepool.market.domain.Node;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MatchingEngineTest {

    /** 2026-01-01T00:00Z, in hours since the Unix epoch. */
    private static final long NOW = 492_216;
    private static final long USD = 1_000_000_000;
    private static final GpuModel RTX_4090 = GpuModel.RTX_4090;
    private static final GpuModel H100 = GpuModel.H100_80GB;

    private final MatchingEngine engine = new MatchingEngine(NOW);
    /** The node of every sell offered through {@link #offered}, by sell id. */
    private final Map<UUID, Node> sellNodes = new HashMap<>();
    private long sequence;

    private static Node node(String name, String zone, Interconnect interconnect, int budgetWatts,
            GpuGroup... gpus) {
        return new Node(UUID.randomUUID(), "op", name, zone, interconnect, budgetWatts, List.of(gpus),
                Instant.EPOCH);
    }

    /** A household 15 A / 120 V circuit with four 450 W cards: three can run at once. */
    private static Node nanopod(String name, String zone) {
        return node(name, zone, Interconnect.FEDERATED, 1440, new GpuGroup(RTX_4090, 24, 4, 450));
    }

    private static Node rack(String name, String zone, int cards) {
        return node(name, zone, Interconnect.CLUSTER, 10_000, new GpuGroup(H100, 80, cards, 700));
    }

    private SellOrder sell(Node node, GpuModel model, int gpus, long start, long end, long price) {
        return new SellOrder(UUID.randomUUID(), node, model, gpus, start, end, price, ++sequence, Optional.empty());
    }

    private BuyOrder buy(GpuModel model, int gpus, long start, int hours, long limit, boolean latencySensitive,
            TimeInForce timeInForce) {
        return new BuyOrder(UUID.randomUUID(), model, gpus, start, hours, limit, latencySensitive, timeInForce,
                ++sequence, false);
    }

    private BuyOrder now(GpuModel model, int gpus, int hours, long limit) {
        return buy(model, gpus, NOW, hours, limit, false, TimeInForce.immediateOrCancel());
    }

    private List<Execution> offer(SellOrder sell) {
        return engine.place(sell);
    }

    private Execution filled(BuyOrder buy) {
        return assertInstanceOf(BuyOutcome.Filled.class, engine.place(buy)).execution();
    }

    private void notFilled(BuyOrder buy) {
        assertInstanceOf(BuyOutcome.Cancelled.class, engine.place(buy));
    }

    private static List<UUID> sellsOf(Execution execution) {
        return execution.fills().stream().map(Fill::sellOrderId).toList();
    }

    @Test
    void aBuyTakesTheCheapestSellAndPaysItsPrice() {
        SellOrder dear = sell(rack("r1", "z", 8), H100, 8, NOW, NOW + 10, 3 * USD);
        SellOrder cheap = sell(rack("r2", "z", 8), H100, 8, NOW, NOW + 10, 2 * USD);
        offer(dear);
        offer(cheap);

        Execution execution = filled(now(H100, 2, 3, 4 * USD));

        Fill fill = execution.fills().getFirst();
        assertEquals(List.of(cheap.id()), sellsOf(execution));
        assertEquals(2 * USD, fill.priceNanoUsdPerGpuHour());
        assertEquals(2 * USD * 2 * 3, fill.costNanoUsd());
        assertEquals(new HourSpan(NOW, NOW + 3), fill.span());
        assertEquals(cheap.node().id(), fill.nodeId());
    }

    @Test
    void amongEqualPricesTheEarlierSellFillsFirst() {
        SellOrder first = sell(rack("r1", "z", 8), H100, 2, NOW, NOW + 10, 2 * USD);
        SellOrder second = sell(rack("r2", "z", 8), H100, 2, NOW, NOW + 10, 2 * USD);
        offer(first);
        offer(second);

        assertEquals(List.of(first.id(), second.id()), sellsOf(filled(now(H100, 3, 1, 2 * USD))));
    }

    @Test
    void noSellAboveTheLimitFills() {
        offer(sell(rack("r1", "z", 8), H100, 8, NOW, NOW + 10, 3 * USD));

        notFilled(now(H100, 1, 1, 3 * USD - 1));
        assertInstanceOf(BuyOutcome.Resting.class, engine.place(buy(H100, 1, NOW + 1, 1, 3 * USD - 1, false,
                TimeInForce.standingUntil(NOW + 1))));
    }

    @Test
    void aBuyFillsWholeOrNotAtAll() {
        offer(sell(rack("r1", "z", 8), H100, 3, NOW, NOW + 10, 2 * USD));

        notFilled(now(H100, 4, 1, 5 * USD));

        assertEquals(3, filled(now(H100, 3, 1, 5 * USD)).fills().getFirst().gpuCount());
    }

    @Test
    void aBuyFitsInsideTheHoursOnOffer() {
        offer(sell(rack("r1", "z", 8), H100, 8, NOW + 2, NOW + 5, 2 * USD));

        notFilled(buy(H100, 1, NOW + 1, 2, 5 * USD, false, TimeInForce.immediateOrCancel()));
        notFilled(buy(H100, 1, NOW + 4, 2, 5 * USD, false, TimeInForce.immediateOrCancel()));
        filled(buy(H100, 1, NOW + 2, 3, 5 * USD, false, TimeInForce.immediateOrCancel()));
    }

    @Test
    void noGpuHourIsSoldTwice() {
        offer(sell(rack("r1", "z", 8), H100, 2, NOW, NOW + 10, 2 * USD));

        filled(buy(H100, 2, NOW + 2, 3, 5 * USD, false, TimeInForce.immediateOrCancel()));
        notFilled(buy(H100, 1, NOW + 4, 2, 5 * USD, false, TimeInForce.immediateOrCancel()));
        filled(buy(H100, 2, NOW + 5, 3, 5 * USD, false, TimeInForce.immediateOrCancel()));
        filled(buy(H100, 2, NOW, 2, 5 * USD, false, TimeInForce.immediateOrCancel()));
    }

    @Test
    void twoOffersOfTheSameCardsSellThemOnce() {
        Node rack = rack("r1", "z", 2);
        offer(sell(rack, H100, 2, NOW, NOW + 10, 2 * USD));
        offer(sell(rack, H100, 2, NOW, NOW + 10, 3 * USD));

        filled(now(H100, 2, 1, 5 * USD));
        notFilled(now(H100, 1, 1, 5 * USD));
    }

    @Test
    void aNanopodRunsOnlyAsManyCardsAsItsCircuitAllows() {
        offer(sell(nanopod("pod", "home"), RTX_4090, 4, NOW, NOW + 10, 1 * USD));

        notFilled(now(RTX_4090, 4, 2, 2 * USD));
        filled(now(RTX_4090, 3, 2, 2 * USD));
        notFilled(now(RTX_4090, 1, 2, 2 * USD));
        filled(buy(RTX_4090, 1, NOW + 2, 1, 2 * USD, false, TimeInForce.immediateOrCancel()));
    }

    @Test
    void cardsOfDifferentModelsShareTheBudget() {
        Node pod = node("pod", "home", Interconnect.FEDERATED, 1440, new GpuGroup(RTX_4090, 24, 2, 450),
                new GpuGroup(GpuModel.RTX_3090, 24, 2, 350));
        offer(sell(pod, RTX_4090, 2, NOW, NOW + 10, 1 * USD));
        offer(sell(pod, GpuModel.RTX_3090, 2, NOW, NOW + 10, 1 * USD));

        filled(now(RTX_4090, 2, 1, 2 * USD));
        notFilled(now(GpuModel.RTX_3090, 2, 1, 2 * USD));
        filled(now(GpuModel.RTX_3090, 1, 1, 2 * USD));
    }

    @Test
    void aBuyTooBigForOneFederatedNodeGoesToClusterNodes() {
        offer(sell(nanopod("pod-1", "z"), RTX_4090, 2, NOW, NOW + 10, 1 * USD));
        offer(sell(nanopod("pod-2", "z"), RTX_4090, 2, NOW, NOW + 10, 1 * USD));
        notFilled(now(RTX_4090, 4, 1, 5 * USD));

        Node dc1 = node("dc-1", "z", Interconnect.CLUSTER, 10_000, new GpuGroup(RTX_4090, 24, 2, 450));
        Node dc2 = node("dc-2", "z", Interconnect.CLUSTER, 10_000, new GpuGroup(RTX_4090, 24, 2, 450));
        offer(sell(dc1, RTX_4090, 2, NOW, NOW + 10, 2 * USD));
        offer(sell(dc2, RTX_4090, 2, NOW, NOW + 10, 2 * USD));
        Execution execution = filled(now(RTX_4090, 4, 1, 5 * USD));

        assertEquals(List.of(dc1.id(), dc2.id()), execution.fills().stream().map(Fill::nodeId).toList());
        assertEquals(List.of(2, 2), execution.fills().stream().map(Fill::gpuCount).toList());
    }

    @Test
    void aBuyThatFitsOneFederatedNodeMayUseIt() {
        Node pod = nanopod("pod", "z");
        offer(sell(pod, RTX_4090, 2, NOW, NOW + 10, 1 * USD));
        offer(sell(pod, RTX_4090, 1, NOW, NOW + 10, 2 * USD));

        Execution execution = filled(now(RTX_4090, 3, 1, 5 * USD));

        assertEquals(List.of(pod.id(), pod.id()), execution.fills().stream().map(Fill::nodeId).toList());
        assertEquals(1 * USD * 2 + 2 * USD * 1, execution.costNanoUsd());
    }

    @Test
    void latencySensitiveWorkGoesToClusterNodesOnly() {
        Node pod = nanopod("pod", "z");
        Node dc = node("dc", "z", Interconnect.CLUSTER, 10_000, new GpuGroup(RTX_4090, 24, 8, 450));
        offer(sell(pod, RTX_4090, 3, NOW, NOW + 10, 1 * USD));
        offer(sell(dc, RTX_4090, 8, NOW, NOW + 10, 3 * USD));

        Execution training = filled(buy(RTX_4090, 1, NOW, 1, 5 * USD, true, TimeInForce.immediateOrCancel()));
        Execution inference = filled(now(RTX_4090, 1, 1, 5 * USD));

        assertEquals(dc.id(), training.fills().getFirst().nodeId());
        assertEquals(pod.id(), inference.fills().getFirst().nodeId());
    }

    @Test
    void aBuyFillsInOneZone() {
        offer(sell(rack("a", "z1", 2), H100, 2, NOW, NOW + 10, 1 * USD));
        offer(sell(rack("b", "z2", 2), H100, 2, NOW, NOW + 10, 2 * USD));

        notFilled(now(H100, 3, 1, 5 * USD));
        assertEquals(1 * USD, filled(now(H100, 2, 1, 5 * USD)).fills().getFirst().priceNanoUsdPerGpuHour());
    }

    @Test
    void theBuyFillsWhereItsDearestGpuIsCheapest() {
        // The pod could hold the buy for 1 + 4 USD an hour, the rack for 3 + 3: the buy passes no sell over for one
        // ranked below it, so the rack's 3 USD sell completes it before the pod's 4 USD one can.
        Node pod = nanopod("pod", "z");
        Node dc = node("dc", "z", Interconnect.CLUSTER, 10_000, new GpuGroup(RTX_4090, 24, 2, 450));
        offer(sell(pod, RTX_4090, 1, NOW, NOW + 10, 1 * USD));
        offer(sell(pod, RTX_4090, 1, NOW, NOW + 10, 4 * USD));
        offer(sell(dc, RTX_4090, 2, NOW, NOW + 10, 3 * USD));

        Execution execution = filled(now(RTX_4090, 2, 1, 5 * USD));

        assertEquals(List.of(dc.id()), execution.fills().stream().map(Fill::nodeId).toList());
        assertEquals(6 * USD, execution.costNanoUsd());
    }

    @Test
    void aRestingBuyFillsWhenASellArrives() {
        BuyOrder waiting = buy(H100, 2, NOW + 2, 3, 3 * USD, false, TimeInForce.standingUntil(NOW + 2));
        assertInstanceOf(BuyOutcome.Resting.class, engine.place(waiting));

        assertEquals(List.of(), offer(sell(rack("dear", "z", 8), H100, 8, NOW, NOW + 10, 4 * USD)));
        List<Execution> executions = offer(sell(rack("r", "z", 8), H100, 8, NOW, NOW + 10, 3 * USD));

        assertEquals(List.of(waiting), executions.stream().map(Execution::buy).toList());
        assertEquals(3 * USD, executions.getFirst().fills().getFirst().priceNanoUsdPerGpuHour());
    }

    @Test
    void restingBuysFillHighestLimitFirstThenEarliest() {
        TimeInForce standing = TimeInForce.standingUntil(NOW + 1);
        BuyOrder low = buy(H100, 2, NOW + 1, 1, 3 * USD, false, standing);
        BuyOrder highFirst = buy(H100, 2, NOW + 1, 1, 4 * USD, false, standing);
        BuyOrder highSecond = buy(H100, 2, NOW + 1, 1, 4 * USD, false, standing);
        List.of(low, highFirst, highSecond).forEach(engine::place);
        Node rack = rack("r", "z", 8);

        List<Execution> first = offer(sell(rack, H100, 2, NOW, NOW + 10, 2 * USD));
        List<Execution> rest = offer(sell(rack, H100, 4, NOW, NOW + 10, 2 * USD));

        assertEquals(List.of(highFirst), first.stream().map(Execution::buy).toList());
        assertEquals(List.of(highSecond, low), rest.stream().map(Execution::buy).toList());
    }

    @Test
    void aCancelledBuyNoLongerWaits() {
        BuyOrder waiting = buy(H100, 1, NOW + 1, 1, 3 * USD, false, TimeInForce.standingUntil(NOW + 1));
        engine.place(waiting);

        assertTrue(engine.cancel(waiting.id()));
        assertFalse(engine.cancel(waiting.id()));
        assertEquals(List.of(), offer(sell(rack("r", "z", 8), H100, 8, NOW, NOW + 10, 2 * USD)));
    }

    @Test
    void aCancelledSellKeepsWhatItSoldAndSellsNoMore() {
        Node rack = rack("r", "z", 2);
        SellOrder sell = sell(rack, H100, 2, NOW, NOW + 10, 2 * USD);
        offer(sell);
        filled(now(H100, 1, 1, 5 * USD));

        assertTrue(engine.cancel(sell.id()));
        notFilled(now(H100, 1, 1, 5 * USD));

        // The card sold for this hour stays sold even when the node is offered again.
        offer(sell(rack, H100, 2, NOW, NOW + 10, 2 * USD));
        notFilled(now(H100, 2, 1, 5 * USD));
        assertFalse(engine.cancel(UUID.randomUUID()));
    }

    @Test
    void anHourPassingExpiresStandingBuysAndEndedSells() {
        BuyOrder late = buy(H100, 1, NOW + 5, 1, 3 * USD, false, TimeInForce.standingUntil(NOW + 3));
        BuyOrder early = buy(H100, 1, NOW + 5, 1, 3 * USD, false, TimeInForce.standingUntil(NOW + 1));
        engine.place(late);
        engine.place(early);
        SellOrder ending = sell(rack("r", "z", 8), H100, 8, NOW, NOW + 2, 9 * USD);
        offer(ending);

        assertEquals(List.of(early), engine.advanceTo(NOW + 2));
        assertEquals(NOW + 2, engine.currentHour());
        assertFalse(engine.cancel(ending.id()));
        assertTrue(engine.cancel(late.id()));
    }

    @Test
    void ordersForHoursThatHavePassedAreRejected() {
        engine.advanceTo(NOW + 5);

        assertEquals("startHour", assertThrows(OrderRejected.class,
                () -> offer(sell(rack("r", "z", 8), H100, 1, NOW + 4, NOW + 10, USD))).field());
        assertEquals("startHour", assertThrows(OrderRejected.class, () -> engine.place(now(H100, 1, 1, USD)))
                .field());
        assertEquals("timeInForce.expiresAtHour", assertThrows(OrderRejected.class, () -> engine.place(
                buy(H100, 1, NOW + 8, 1, USD, false, TimeInForce.standingUntil(NOW + 5)))).field());
        assertThrows(IllegalArgumentException.class, () -> engine.advanceTo(NOW + 4));
    }

    @Test
    void sequencesOnlyGrowAndIdsAreUnique() {
        SellOrder sell = sell(rack("r", "z", 8), H100, 1, NOW, NOW + 10, USD);
        offer(sell);

        OrderRejected stale = assertThrows(OrderRejected.class, () -> offer(
                new SellOrder(UUID.randomUUID(), sell.node(), H100, 1, NOW, NOW + 10, USD, sell.sequence(), Optional.empty())));
        OrderRejected twice = assertThrows(OrderRejected.class, () -> offer(
                new SellOrder(sell.id(), sell.node(), H100, 1, NOW, NOW + 10, USD, ++sequence, Optional.empty())));

        assertEquals("sequence", stale.field());
        assertEquals("id", twice.field());
    }

    @Test
    void aNodeChangedBehindTheBooksBackIsRejected() {
        Node rack = rack("r", "z", 8);
        offer(sell(rack, H100, 1, NOW, NOW + 10, USD));
        Node rewired = new Node(rack.id(), "op", "r", "z", Interconnect.FEDERATED, 10_000, rack.gpus(),
                Instant.EPOCH);

        assertEquals("node", assertThrows(OrderRejected.class,
                () -> offer(sell(rewired, H100, 1, NOW, NOW + 10, USD))).field());
    }

    @Test
    void ordersNameTheFieldAtFault() {
        Node rack = rack("r", "z", 2);
        assertEquals("gpuModel", assertThrows(OrderRejected.class,
                () -> sell(rack, RTX_4090, 1, NOW, NOW + 1, USD)).field());
        assertEquals("gpuCount", assertThrows(OrderRejected.class,
                () -> sell(rack, H100, 3, NOW, NOW + 1, USD)).field());
        assertEquals("endHour", assertThrows(OrderRejected.class,
                () -> sell(rack, H100, 1, NOW, NOW, USD)).field());
        assertEquals("minPriceNanoUsdPerGpuHour", assertThrows(OrderRejected.class,
                () -> sell(rack, H100, 1, NOW, NOW + 1, 0)).field());
        assertEquals("gpuCount", assertThrows(OrderRejected.class, () -> now(H100, 0, 1, USD)).field());
        assertEquals("hours", assertThrows(OrderRejected.class, () -> now(H100, 1, 0, USD)).field());
        assertEquals("timeInForce", assertThrows(OrderRejected.class,
                () -> buy(H100, 1, NOW, 1, USD, false, null)).field());
        assertEquals("timeInForce.expiresAtHour", assertThrows(OrderRejected.class,
                () -> buy(H100, 1, NOW + 2, 1, USD, false, TimeInForce.standingUntil(NOW + 3))).field());
    }

    @Test
    void aBuyWhoseCostCannotBeCountedIsRejected() {
        OrderRejected e = assertThrows(OrderRejected.class,
                () -> now(H100, Integer.MAX_VALUE, 24, Long.MAX_VALUE / Integer.MAX_VALUE));

        assertEquals("limitPriceNanoUsdPerGpuHour", e.field());
    }

    private BuyOrder spot(GpuModel model, int gpus, long start, int hours, long bid) {
        return new BuyOrder(UUID.randomUUID(), model, gpus, start, hours, bid, false,
                TimeInForce.immediateOrCancel(), ++sequence, true);
    }

    private SellOrder resale(Execution bought, int gpus, long start, long end, long price) {
        Fill fill = bought.fills().getFirst();
        Node node = sellNodes.get(fill.sellOrderId());
        return new SellOrder(UUID.randomUUID(), node, fill.gpuModel(), gpus, start, end, price, ++sequence,
                Optional.of(bought.buy().id()));
    }

    private SellOrder offered(SellOrder sell) {
        sellNodes.put(sell.id(), sell.node());
        offer(sell);
        return sell;
    }

    @Test
    void cancellingAFilledBuyRefundsTheHoursNotBegunAndOffersThemAgain() {
        Node rack = rack("r", "z", 2);
        offered(sell(rack, H100, 2, NOW, NOW + 10, 2 * USD));
        Execution bought = filled(now(H100, 2, 5, 3 * USD));
        notFilled(buy(H100, 1, NOW + 2, 1, 3 * USD, false, TimeInForce.immediateOrCancel()));
        BuyOrder waiting = buy(H100, 2, NOW + 1, 4, 3 * USD, false, TimeInForce.standingUntil(NOW + 1));
        assertInstanceOf(BuyOutcome.Resting.class, engine.place(waiting));

        Cancellation cancelled = engine.cancelFilled(bought.buy().id());

        // The hour under way is kept and paid; hours NOW + 1 to NOW + 5 come back: 2 GPUs × 4 h × $2.
        assertEquals(NOW + 1, cancelled.fromHour());
        assertEquals(2 * 4 * 2 * USD, cancelled.refundNanoUsd());
        assertEquals(List.of(waiting), cancelled.executions().stream().map(Execution::buy).toList());
        notFilled(now(H100, 1, 1, 3 * USD));
        OrderRejected again = assertThrows(OrderRejected.class, () -> engine.cancelFilled(bought.buy().id()));
        assertEquals("buyOrderId", again.field());
    }

    @Test
    void aBuyNotYetBegunIsRefundedWholeAndItsLastHourCannotBeGivenUp() {
        Node rack = rack("r", "z", 4);
        offered(sell(rack, H100, 4, NOW, NOW + 10, 2 * USD));
        Execution later = filled(buy(H100, 3, NOW + 3, 2, 2 * USD, false, TimeInForce.immediateOrCancel()));
        Execution thisHour = filled(now(H100, 1, 1, 2 * USD));

        assertEquals(new Cancellation(later.buy().id(), NOW + 3, 3 * 2 * 2 * USD, Optional.empty(), List.of()),
                engine.cancelFilled(later.buy().id()));
        filled(buy(H100, 3, NOW + 3, 2, 2 * USD, false, TimeInForce.immediateOrCancel()));
        assertEquals("buyOrderId",
                assertThrows(OrderRejected.class, () -> engine.cancelFilled(thisHour.buy().id())).field());
        assertEquals("buyOrderId",
                assertThrows(OrderRejected.class, () -> engine.cancelFilled(UUID.randomUUID())).field());
    }

    @Test
    void resoldHoursAreSoldFromWhatTheBuyerHoldsAtTheResellersPrice() {
        // Four cards on a Nanopod, three running at once: the buyer holds two of them for ten hours.
        Node pod = nanopod("pod", "z");
        offered(sell(pod, RTX_4090, 4, NOW, NOW + 10, USD));
        Execution bought = filled(now(RTX_4090, 2, 10, USD));
        filled(now(RTX_4090, 1, 10, USD));
        notFilled(buy(RTX_4090, 1, NOW + 4, 2, 9 * USD, false, TimeInForce.immediateOrCancel()));

        SellOrder resale = resale(bought, 2, NOW + 4, NOW + 10, 3 * USD);
        offer(resale);

        // The node's budget is full, yet the buyer's own cards are sold on, each at the reseller's price.
        Execution resold = filled(buy(RTX_4090, 2, NOW + 4, 2, 3 * USD, false, TimeInForce.immediateOrCancel()));
        assertEquals(List.of(resale.id()), sellsOf(resold));
        assertEquals(3 * USD, resold.fills().getFirst().priceNanoUsdPerGpuHour());
        notFilled(buy(RTX_4090, 1, NOW + 4, 2, 9 * USD, false, TimeInForce.immediateOrCancel()));

        // Hours ahead are another buyer's now: the reseller cannot give them up, nor offer them again.
        assertEquals("buyOrderId",
                assertThrows(OrderRejected.class, () -> engine.cancelFilled(bought.buy().id())).field());
        engine.cancel(resale.id());
        assertEquals("startHour", assertThrows(OrderRejected.class,
                () -> offer(resale(bought, 2, NOW + 5, NOW + 10, 3 * USD))).field());
        offer(resale(bought, 2, NOW + 6, NOW + 10, 3 * USD));
    }

    @Test
    void aResaleStaysWithinWhatItsBuyerHolds() {
        Node pod = nanopod("pod", "z");
        offered(sell(pod, RTX_4090, 4, NOW, NOW + 10, USD));
        Execution bought = filled(now(RTX_4090, 2, 5, USD));
        Execution spot = filled(spot(RTX_4090, 1, NOW, 5, USD));

        assertEquals("gpuCount", assertThrows(OrderRejected.class,
                () -> offer(resale(bought, 3, NOW + 1, NOW + 5, USD))).field());
        assertEquals("startHour", assertThrows(OrderRejected.class,
                () -> offer(resale(bought, 2, NOW, NOW + 5, USD))).field());
        assertEquals("endHour", assertThrows(OrderRejected.class,
                () -> offer(resale(bought, 2, NOW + 1, NOW + 6, USD))).field());
        assertEquals("resaleOf", assertThrows(OrderRejected.class,
                () -> offer(resale(spot, 1, NOW + 1, NOW + 5, USD))).field());
        SellOrder first = resale(bought, 2, NOW + 1, NOW + 5, USD);
        offer(first);
        assertEquals("resaleOf", assertThrows(OrderRejected.class,
                () -> offer(resale(bought, 1, NOW + 2, NOW + 5, USD))).field());

        // Given up unsold, its resale leaves the book with it.
        Cancellation cancelled = engine.cancelFilled(bought.buy().id());
        assertEquals(Optional.of(first.id()), cancelled.withdrawnResale());
        assertFalse(engine.cancel(first.id()));
    }

    @Test
    void aSpotBidPaysTheClearingPriceForEveryGpu() {
        Node rack = rack("r", "z", 4);
        offered(sell(rack, H100, 2, NOW, NOW + 10, 2 * USD));
        offered(sell(rack, H100, 2, NOW, NOW + 10, 3 * USD));

        Execution spot = filled(spot(H100, 3, NOW, 2, 5 * USD));

        assertEquals(List.of(3 * USD, 3 * USD), spot.fills().stream().map(Fill::priceNanoUsdPerGpuHour).toList());
        assertEquals(3 * 3 * 2 * USD, spot.costNanoUsd());
        assertEquals("timeInForce", assertThrows(OrderRejected.class, () -> new BuyOrder(UUID.randomUUID(), H100,
                1, NOW + 1, 1, USD, false, TimeInForce.standingUntil(NOW + 1), ++sequence, true)).field());
    }

    @Test
    void aHigherBidPreemptsTheLowestSpotBidFromItsStart() {
        Node rack = rack("r", "z", 4);
        offered(sell(rack, H100, 4, NOW, NOW + 10, 2 * USD));
        Execution low = filled(spot(H100, 2, NOW, 10, 3 * USD));
        Execution high = filled(spot(H100, 2, NOW, 10, 4 * USD));

        BuyOutcome.Filled reserved = assertInstanceOf(BuyOutcome.Filled.class,
                engine.place(buy(H100, 2, NOW + 3, 2, 5 * USD, false, TimeInForce.immediateOrCancel())));

        // The $3 bid keeps its first three hours and is refunded the seven it loses, at its clearing price $2.
        assertEquals(List.of(new Preemption(low.buy().id(), NOW + 3, 2 * 7 * 2 * USD)), reserved.preempted());
        assertEquals(2 * USD, reserved.execution().fills().getFirst().priceNanoUsdPerGpuHour());
        // The $4 bid was not needed and keeps its GPUs; the preempted bid's spare hours are on offer again.
        assertEquals(List.of(), assertInstanceOf(BuyOutcome.Filled.class,
                engine.place(buy(H100, 2, NOW + 5, 5, 2 * USD, false, TimeInForce.immediateOrCancel()))).preempted());
        notFilled(buy(H100, 1, NOW + 5, 1, 4 * USD, false, TimeInForce.immediateOrCancel()));
        assertEquals("buyOrderId", assertThrows(OrderRejected.class,
                () -> engine.cancelFilled(UUID.randomUUID())).field());
        assertEquals(NOW + 1, engine.cancelFilled(high.buy().id()).fromHour());
    }

    @Test
    void aBidNoHigherThanTheSpotBidsPreemptsNothing() {
        Node rack = rack("r", "z", 2);
        offered(sell(rack, H100, 2, NOW, NOW + 10, 2 * USD));
        filled(spot(H100, 2, NOW, 10, 3 * USD));

        notFilled(now(H100, 1, 1, 3 * USD));
        notFilled(spot(H100, 1, NOW, 1, 3 * USD));
        // A higher bid that cannot fill even with the spot GPUs leaves the spot bid whole.
        notFilled(now(H100, 3, 1, 9 * USD));
        // The hour under way is never taken from a spot bid: its notice comes before the loss.
        notFilled(now(H100, 1, 1, 9 * USD));
        assertEquals(List.of(NOW + 1), assertInstanceOf(BuyOutcome.Filled.class,
                engine.place(buy(H100, 1, NOW + 1, 1, 4 * USD, false, TimeInForce.immediateOrCancel())))
                .preempted().stream().map(Preemption::fromHour).toList());
    }

    @Test
    void theDepthCountsEachCardOnceAndOnlyWhatABuyCouldTake() {
        // Two offers of the same four cards on a Nanopod that runs three at once: three GPUs at $1, none at $2.
        Node pod = nanopod("pod", "z");
        offered(sell(pod, RTX_4090, 4, NOW, NOW + 10, USD));
        offered(sell(pod, RTX_4090, 4, NOW, NOW + 10, 2 * USD));
        offered(sell(nanopod("other", "y"), RTX_4090, 2, NOW, NOW + 10, 2 * USD));
        offered(sell(nanopod("short", "y"), RTX_4090, 2, NOW, NOW + 2, USD / 2));
        HourSpan window = new HourSpan(NOW + 1, NOW + 4);

        assertEquals(List.of(new Depth.Level(USD, 3), new Depth.Level(2 * USD, 2)),
                engine.depth(RTX_4090, window, 10).asks());
        Execution bought = filled(buy(RTX_4090, 2, NOW + 2, 1, USD, false, TimeInForce.immediateOrCancel()));
        assertEquals(List.of(new Depth.Level(USD, 1), new Depth.Level(2 * USD, 2)),
                engine.depth(RTX_4090, window, 10).asks());
        assertEquals(List.of(new Depth.Level(USD, 1)), engine.depth(RTX_4090, window, 1).asks());

        // A resale offers its buyer's cards, which the node had counted as sold.
        offer(resale(bought, 2, NOW + 2, NOW + 3, 3 * USD));
        assertEquals(List.of(new Depth.Level(USD, 1), new Depth.Level(2 * USD, 2), new Depth.Level(3 * USD, 2)),
                engine.depth(RTX_4090, new HourSpan(NOW + 2, NOW + 3), 10).asks());

        engine.place(buy(RTX_4090, 9, NOW + 3, 2, USD / 4, false, TimeInForce.standingUntil(NOW + 1)));
        engine.place(buy(RTX_4090, 8, NOW + 5, 1, USD / 4, false, TimeInForce.standingUntil(NOW + 1)));
        engine.place(buy(RTX_4090, 9, NOW + 2, 1, USD / 3, false, TimeInForce.standingUntil(NOW + 1)));
        engine.place(buy(H100, 9, NOW + 2, 1, USD / 3, false, TimeInForce.standingUntil(NOW + 1)));
        assertEquals(List.of(new Depth.Level(USD / 3, 9), new Depth.Level(USD / 4, 9)),
                engine.depth(RTX_4090, window, 10).bids());
        assertEquals(new Depth(List.of(), List.of()), engine.depth(GpuModel.L40S, window, 10));
    }
}
