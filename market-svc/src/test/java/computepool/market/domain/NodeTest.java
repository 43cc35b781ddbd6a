package computepool.market.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NodeTest {

    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    /** A household 15 A / 120 V circuit, derated to 80 % for continuous load. */
    private static final int NANOPOD_BUDGET = 1440;

    private static Node.GpuSpec rtx4090(int count, int watts) {
        return new Node.GpuSpec("RTX_4090", 24, count, watts);
    }

    private static NodeRejected rejected(String interconnect, int budget, List<Node.GpuSpec> gpus) {
        return assertThrows(NodeRejected.class,
                () -> Node.register("op", "pod", "home-1", interconnect, budget, gpus, NOW));
    }

    @Test
    void aNanopodWithTwoCardsFitsItsCircuit() {
        Node node = Node.register("op", "pod", "home-1", "federated", NANOPOD_BUDGET, List.of(rtx4090(2, 450)), NOW);
        assertEquals(Interconnect.FEDERATED, node.interconnect());
        assertEquals(900, node.peakWatts());
        assertEquals(List.of(new GpuGroup(GpuModel.RTX_4090, 24, 2, 450)), node.gpus());
    }

    @Test
    void aBudgetExactlyMetIsAccepted() {
        Node node = Node.register("op", "pod", "home-1", "federated", 1440,
                List.of(rtx4090(2, 450), new Node.GpuSpec("RTX_3090", 24, 2, 270)), NOW);
        assertEquals(1440, node.peakWatts());
    }

    @Test
    void aNanopodMayCarryMoreCardsThanItsCircuitRunsAtOnce() {
        Node node = Node.register("op", "pod", "home-1", "federated", NANOPOD_BUDGET, List.of(rtx4090(4, 450)), NOW);
        assertEquals(1800, node.peakWatts());
    }

    @Test
    void aCardDrawingMoreThanTheWholeBudgetIsRejectedOnItsPowerLimit() {
        NodeRejected e = rejected("federated", NANOPOD_BUDGET,
                List.of(rtx4090(1, 450), new Node.GpuSpec("H100_80GB", 80, 1, 1600)));
        assertEquals("gpus[1].powerLimitWatts", e.field());
        assertTrue(e.reason().contains("1600 W") && e.reason().contains("1440 W"), e.reason());
    }

    @Test
    void powerIsSummedWithoutOverflow() {
        Node node = Node.register("op", "rack", "dc-1", "cluster", Integer.MAX_VALUE,
                List.of(new Node.GpuSpec("H100_80GB", 80, Integer.MAX_VALUE, 700)), NOW);
        assertEquals(700L * Integer.MAX_VALUE, node.peakWatts());
    }

    @Test
    void aNodeNeedsAtLeastOneGpu() {
        assertEquals("gpus", rejected("federated", NANOPOD_BUDGET, List.of()).field());
        assertEquals("gpus", rejected("federated", NANOPOD_BUDGET, null).field());
    }

    @Test
    void countsMustBePositive() {
        assertEquals("gpus[1].count",
                rejected("federated", NANOPOD_BUDGET, List.of(rtx4090(1, 450), rtx4090(0, 450))).field());
        assertEquals("gpus[0].count", rejected("federated", NANOPOD_BUDGET, List.of(rtx4090(-1, 450))).field());
    }

    @Test
    void memoryAndPowerLimitsMustBePositive() {
        assertEquals("gpus[0].memoryGib", rejected("federated", NANOPOD_BUDGET,
                List.of(new Node.GpuSpec("L40S", 0, 1, 350))).field());
        assertEquals("gpus[0].powerLimitWatts", rejected("federated", NANOPOD_BUDGET, List.of(rtx4090(1, 0))).field());
        assertEquals("powerBudgetWatts", rejected("federated", 0, List.of(rtx4090(1, 450))).field());
    }

    @Test
    void modelsComeFromTheCatalogue() {
        NodeRejected e = rejected("federated", NANOPOD_BUDGET, List.of(new Node.GpuSpec("GTX_1080", 8, 1, 180)));
        assertEquals("gpus[0].model", e.field());
        assertEquals(GpuModel.MUST_BE_KNOWN, e.reason());
        assertEquals("gpus[0].model", rejected("federated", NANOPOD_BUDGET,
                List.of(new Node.GpuSpec("rtx_4090", 24, 1, 450))).field());
    }

    @Test
    void aNullGpuEntryIsNamed() {
        assertEquals("gpus[0]", rejected("federated", NANOPOD_BUDGET, Arrays.asList((Node.GpuSpec) null)).field());
    }

    @Test
    void interconnectMustBeKnown() {
        assertEquals("interconnect", rejected("infiniband", NANOPOD_BUDGET, List.of(rtx4090(1, 450))).field());
        assertEquals(Interconnect.CLUSTER, Interconnect.named("cluster").orElseThrow());
    }

    @Test
    void theValidationPatternsNameExactlyTheEnumValues() {
        assertEquals(Arrays.stream(GpuModel.values()).map(Enum::name).collect(Collectors.joining("|")), GpuModel.NAMES);
        assertEquals(Arrays.stream(Interconnect.values()).map(Interconnect::wireName).collect(Collectors.joining("|")),
                Interconnect.NAMES);
    }
}
