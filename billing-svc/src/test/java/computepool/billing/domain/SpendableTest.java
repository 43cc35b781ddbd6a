package computepool.billing.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpendableTest {

    private static final String INFERENCE = Meter.INFERENCE_TOKENS;
    private static final String SANDBOX = Meter.SANDBOX_SECONDS;

    @Test
    void creditForEveryMeterAddsToPaidMoneyLessEveryHold() {
        Spendable funds = new Spendable(500, 300, Set.of(), Map.of(INFERENCE, 200L, SANDBOX, 100L));
        assertEquals(500, funds.available(INFERENCE));
        assertEquals(500, funds.available(SANDBOX));
    }

    @Test
    void creditLimitedToInferenceLeavesOtherMetersThePaidWalletLessTheirHolds() {
        // Paid 5, subsidised 10 for inference; inference holds 12 already use 2 of the paid money.
        Spendable funds = new Spendable(5, 10, Set.of(INFERENCE), Map.of(INFERENCE, 12L, SANDBOX, 1L));
        assertTrue(funds.subsidisedCovers(INFERENCE));
        assertFalse(funds.subsidisedCovers(SANDBOX));
        assertEquals(2, funds.available(INFERENCE), "15 in all, 13 held");
        assertEquals(2, funds.available(SANDBOX), "paid 5 less the sandbox hold 1 and the 2 inference needs");
    }

    @Test
    void uncoveredHoldsMustFitThePaidWalletEvenWhenCreditIsPlentiful() {
        Spendable funds = new Spendable(3, 1_000, Set.of(INFERENCE), Map.of(SANDBOX, 2L));
        assertEquals(1, funds.available(SANDBOX));
        assertEquals(1_001, funds.available(INFERENCE));
    }

    @Test
    void nothingIsNegative() {
        Spendable overHeld = new Spendable(-7, -3, Set.of(), Map.of(INFERENCE, 50L));
        assertEquals(0, overHeld.available(INFERENCE));
        assertEquals(0, overHeld.available(SANDBOX));
    }
}
