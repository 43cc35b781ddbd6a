package computepool.market.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipelinePlannerTest {

    private static final String MODEL = "smollm2-135m-instruct-q4_1";
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final Duration SILENCE = Duration.ofSeconds(15);

    static ShardWorker worker(String id, int start, int end) {
        return worker(id, start, end, 30, "node-" + id);
    }

    static ShardWorker worker(String id, int start, int end, int total, String node) {
        return new ShardWorker(id, MODEL, start, end, total, "10.0.0.1:" + (9000 + Math.abs(id.hashCode() % 999)),
                16, 32768, "operator-1", node, "0xpayout", NOW.minusSeconds(60));
    }

    static RegisteredWorker serving(ShardWorker worker, int activeSessions) {
        return new RegisteredWorker(worker, Optional.of(new WorkerLoad(activeSessions, 0)), NOW.minusSeconds(1),
                Optional.empty(), Optional.empty());
    }

    static RegisteredWorker serving(ShardWorker worker) {
        return serving(worker, 0);
    }

    private static PipelinePlan plan(List<RegisteredWorker> workers) {
        return PipelinePlanner.plan(MODEL, workers, Set.of(), NOW, SILENCE);
    }

    private static List<String> stages(PipelinePlan plan) {
        PipelinePlan.Found found = assertInstanceOf(PipelinePlan.Found.class, plan, plan.toString());
        return found.stages().stream().map(ShardWorker::workerId).toList();
    }

    private static String missing(PipelinePlan plan) {
        return assertInstanceOf(PipelinePlan.Missing.class, plan, plan.toString()).reason();
    }

    @Test
    void twoHalvesFormAPipelineInLayerOrder() {
        PipelinePlan plan = plan(List.of(serving(worker("b", 15, 30)), serving(worker("a", 0, 15))));
        assertEquals(List.of("a", "b"), stages(plan));
        assertEquals(30, ((PipelinePlan.Found) plan).totalLayers());
    }

    @Test
    void aMissingRangeIsNamed() {
        String reason = missing(plan(List.of(serving(worker("a", 0, 15)), serving(worker("c", 20, 30)))));
        assertTrue(reason.contains("layers 15 to 19 (of 30)"), reason);
    }

    @Test
    void noWorkerAtAllIsMissing() {
        assertTrue(missing(plan(List.of())).contains("no healthy worker serves model " + MODEL));
    }

    @Test
    void rangesThatServeEveryLayerButDoNotChainAreMissingWithWhere() {
        String reason = missing(plan(List.of(serving(worker("a", 0, 10)), serving(worker("b", 5, 30)))));
        assertTrue(reason.contains("do not chain") && reason.contains("layer 10"), reason);
    }

    @Test
    void theLeastLoadedChainWinsByItsBusiestStage() {
        // Chain a: busiest stage 8/16. Chain b: busiest stage 4/16, although its entry is busier than a's.
        // Their boundaries differ (10 and 20), so no stage of one continues the other.
        List<RegisteredWorker> workers = List.of(
                serving(worker("a1", 0, 10), 1), serving(worker("a2", 10, 30), 8),
                serving(worker("b1", 0, 20), 4), serving(worker("b2", 20, 30), 3));
        assertEquals(List.of("b1", "b2"), stages(plan(workers)));
    }

    @Test
    void stagesOfDifferentChainsMixWhenThatIsLeastLoaded() {
        List<RegisteredWorker> workers = List.of(
                serving(worker("a1", 0, 15), 0), serving(worker("a2", 15, 30), 9),
                serving(worker("b1", 0, 15), 9), serving(worker("b2", 15, 30), 0));
        assertEquals(List.of("a1", "b2"), stages(plan(workers)));
    }

    @Test
    void onEqualLoadFewerHopsWinThenWorkerIds() {
        List<RegisteredWorker> workers = List.of(
                serving(worker("m", 0, 15)), serving(worker("n", 15, 30)), serving(worker("z-whole", 0, 30)));
        assertEquals(List.of("z-whole"), stages(plan(workers)));
        List<RegisteredWorker> twins = List.of(serving(worker("y", 0, 30)), serving(worker("x", 0, 30)));
        assertEquals(List.of("x"), stages(plan(twins)));
    }

    @Test
    void loadIsAShareOfEachWorkersSlots() {
        ShardWorker small = new ShardWorker("small", MODEL, 0, 30, 30, "h:1", 2, 0, "op", "n1", "", NOW);
        ShardWorker large = new ShardWorker("large", MODEL, 0, 30, 30, "h:2", 64, 0, "op", "n2", "", NOW);
        // 1 of 2 slots (50 %) is busier than 16 of 64 (25 %).
        assertEquals(List.of("large"), stages(plan(List.of(serving(small, 1), serving(large, 16)))));
    }

    @Test
    void aSilentWorkerLeavesPipelinesAndTheOtherIsUsed() {
        RegisteredWorker silent = new RegisteredWorker(worker("a", 0, 15), Optional.empty(),
                NOW.minus(SILENCE).minusMillis(1), Optional.empty(), Optional.empty());
        RegisteredWorker justInTime = new RegisteredWorker(worker("c", 0, 15), Optional.empty(),
                NOW.minus(SILENCE), Optional.empty(), Optional.empty());
        ShardWorker rear = worker("b", 15, 30);
        assertTrue(missing(plan(List.of(silent, serving(rear)))).contains("layers 0 to 14"));
        assertEquals(List.of("c", "b"), stages(plan(List.of(silent, justInTime, serving(rear)))));
    }

    @Test
    void withdrawnRefusedFullAndExcludedWorkersAreNotUsed() {
        ShardWorker rear = worker("rear", 15, 30);
        RegisteredWorker withdrawn = new RegisteredWorker(worker("w", 0, 15), Optional.empty(), NOW,
                Optional.of("shutdown"), Optional.empty());
        RegisteredWorker refused = new RegisteredWorker(worker("r", 0, 15), Optional.empty(), NOW,
                Optional.empty(), Optional.of("overlap"));
        RegisteredWorker full = serving(worker("f", 0, 15), 16);
        String reason = missing(plan(List.of(withdrawn, refused, full, serving(rear))));
        assertTrue(reason.contains("layers 0 to 14") && reason.contains("f (all 16 sessions taken)"), reason);

        RegisteredWorker front = serving(worker("front", 0, 15));
        PipelinePlan excluded = PipelinePlanner.plan(MODEL, List.of(front, serving(rear)), Set.of("front"), NOW,
                SILENCE);
        assertTrue(missing(excluded).contains("front (excluded)"));
    }

    @Test
    void workersOfOtherModelsAreIgnored() {
        ShardWorker other = new ShardWorker("o", "another-model", 0, 30, 30, "h:1", 16, 0, "op", "n", "", NOW);
        assertTrue(missing(plan(List.of(serving(other)))).contains("no healthy worker"));
    }

    @Test
    void theMajorityDecidesTheLayerCountWhenWorkersDisagree() {
        List<RegisteredWorker> workers = List.of(serving(worker("a", 0, 15)), serving(worker("b", 15, 30)),
                serving(worker("odd", 0, 32, 32, "n-odd")));
        assertEquals(List.of("a", "b"), stages(plan(workers)));
    }

    @Test
    void impossibleAnnouncementsAreRejectedWithTheField() {
        assertTrue(assertThrows(WorkerEventRejected.class, () -> worker("x", 15, 15)).getMessage()
                .contains("layer_start 15 must be below layer_end 15"));
        assertTrue(assertThrows(WorkerEventRejected.class, () -> worker("x", 0, 31)).getMessage()
                .contains("layer_end 31 exceeds total_layers 30"));
        assertTrue(assertThrows(WorkerEventRejected.class, () -> worker("x", -1, 3)).getMessage()
                .contains("layer_start"));
        assertTrue(assertThrows(WorkerEventRejected.class, () -> worker(" ", 0, 3)).getMessage()
                .contains("worker_id"));
    }
}
