package computepool.shard.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardAssignmentTest {

    private static final String ANVIL_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    private static String rejection(int layerStart, int layerEnd, String payoutAddress) {
        return assertThrows(IllegalArgumentException.class,
                () -> ShardAssignment.of("smollm2-135m-instruct", layerStart, layerEnd, "op", "node", payoutAddress))
                .getMessage();
    }

    @Test
    void aSliceOfLayersIsAccepted() {
        ShardAssignment assignment = ShardAssignment.of("smollm2-135m-instruct", 10, 20, "op", "node", ANVIL_0);
        assertEquals(10, assignment.layerCount());
        assertEquals(ANVIL_0, assignment.payoutAddress().value());
    }

    @Test
    void aSingleLayerIsASlice() {
        assertEquals(1, ShardAssignment.of("m", 29, 30, "op", "node", ANVIL_0).layerCount());
    }

    @Test
    void theStartMustBeBelowTheEnd() {
        assertTrue(rejection(5, 5, ANVIL_0).contains("layerStart (5) must be below layerEnd (5)"));
        assertTrue(rejection(20, 10, ANVIL_0).contains("layerStart (20) must be below layerEnd (10)"));
    }

    @Test
    void theStartIsNotNegative() {
        assertTrue(rejection(-1, 10, ANVIL_0).contains("layerStart must not be negative"));
    }

    @Test
    void thePayoutAddressIsAnEvmAddress() {
        assertTrue(rejection(0, 30, "f39Fd6e51aad88F6F4ce6aB8827279cffFb92266").startsWith("payoutAddress"));
        rejection(0, 30, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226");
        rejection(0, 30, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb922666");
        rejection(0, 30, "0xg39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        rejection(0, 30, "");
        rejection(0, 30, null);
        assertEquals("0x" + "ab".repeat(20), new EvmAddress("0x" + "ab".repeat(20)).value());
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> ShardAssignment.of(" ", 3, 1, "", "node", "nope")).getMessage();
        assertTrue(message.contains("modelId"), message);
        assertTrue(message.contains("layerStart (3)"), message);
        assertTrue(message.contains("operatorId"), message);
        assertTrue(message.contains("payoutAddress"), message);
    }
}
