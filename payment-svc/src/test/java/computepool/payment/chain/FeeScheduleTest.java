package computepool.payment.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeeScheduleTest {

    @Test
    void aFirstTransactionOffersTwiceTheBaseFeePlusTheTip() {
        assertEquals(new ChainAction.Fees(2_000_000_007L, 7, 50_000), FeeSchedule.first(1_000_000_000L, 7, 50_000));
    }

    /** Seeded: whatever the market does between two signings, a replacement passes the nodes' 10 % rule. */
    @Test
    void everyReplacementRaisesBothFeesByATenthAndNeverOffersLessThanTheMarket() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int i = 0; i < 10_000; i++) {
            ChainAction.Fees last = FeeSchedule.first(random.nextLong(1L << 40), random.nextLong(1L << 32), 21_000);
            long baseFee = random.nextLong(1L << 41);
            long tip = random.nextInt(3) == 0 ? 0 : random.nextLong(1L << 33);
            ChainAction.Fees next = FeeSchedule.replacing(last, baseFee, tip, 21_000);
            String why = "seed " + seed + ": " + last + " at base fee " + baseFee + ", tip " + tip + " -> " + next;
            assertTrue(next.maxFeePerGas() * 10 >= last.maxFeePerGas() * 11 && next.maxFeePerGas() > last.maxFeePerGas(), why);
            assertTrue(next.maxPriorityFeePerGas() * 10 >= last.maxPriorityFeePerGas() * 11
                    && next.maxPriorityFeePerGas() > last.maxPriorityFeePerGas(), why);
            assertTrue(next.maxFeePerGas() >= FeeSchedule.first(baseFee, tip, 21_000).maxFeePerGas(), why);
            assertTrue(next.maxFeePerGas() >= next.maxPriorityFeePerGas(), why);
        }
    }

    @Test
    void aNodesAnswerIsReadAsAcceptedRefusedForItsFeesOrRefused() {
        assertEquals(BroadcastAnswer.ACCEPTED, BroadcastAnswer.of(Optional.empty()));
        assertEquals(BroadcastAnswer.ACCEPTED, BroadcastAnswer.of(Optional.of("already known")));
        assertEquals(BroadcastAnswer.ACCEPTED, BroadcastAnswer.of(Optional.of("nonce too low")));
        assertEquals(BroadcastAnswer.UNDERPRICED, BroadcastAnswer.of(Optional.of("replacement transaction underpriced")));
        assertEquals(BroadcastAnswer.UNDERPRICED,
                BroadcastAnswer.of(Optional.of("max fee per gas less than block base fee")));
        assertEquals(BroadcastAnswer.REFUSED, BroadcastAnswer.of(Optional.of("insufficient funds for gas * price + value")));
    }
}
