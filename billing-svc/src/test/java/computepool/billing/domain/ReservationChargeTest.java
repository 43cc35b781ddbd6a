package computepool.billing.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** How a reservation's metered period is split between the platform and its sellers, and paid for by the buyer. */
class ReservationChargeTest {

    private static final PlatformFee TEN_PERCENT = new PlatformFee(Instant.EPOCH, 1000);
    private static final UUID PAID = UUID.randomUUID();
    private static final UUID SUBSIDISED = UUID.randomUUID();
    private static final UUID OPERATOR = UUID.randomUUID();
    private static final UUID RESELLER = UUID.randomUUID();
    private static final UUID PLATFORM = UUID.randomUUID();

    private static Spendable paidOnly(long paid) {
        return new Spendable(paid, 0, Set.of(), Map.of());
    }

    @Test
    void theFeeAndTheSellersPartsAreLargestRemainderSplitsThatSumExactly() {
        // 668 collected: fee 66.8 and sellers 601.2 round to 67 and 601; 601 split 333 : 334 : 1 is 300, 300, 1.
        ReservationCharge charge = ReservationCharge.decide(List.of(333L, 334L, 1L), TEN_PERCENT, paidOnly(1_000));

        assertEquals(668, charge.cost());
        assertEquals(668, charge.collected());
        assertEquals(67, charge.platformFee());
        assertEquals(List.of(300L, 300L, 1L), charge.proceeds());
        assertFalse(charge.shortOf());
    }

    @Test
    void aBuyerWhoCannotCoverThePeriodPaysWhatItHasAndTheSellersShareThat() {
        ReservationCharge charge = ReservationCharge.decide(List.of(333L, 334L, 1L), TEN_PERCENT, paidOnly(500));

        assertEquals(500, charge.collected());
        assertEquals(50, charge.platformFee());
        assertEquals(List.of(224L, 225L, 1L), charge.proceeds());
        assertTrue(charge.shortOf());
    }

    @Test
    void subsidisedCreditPaysFirstOnlyWhereItMayPayForReservations() {
        Spendable forReservations = new Spendable(1_000, 100, Set.of(Meter.RESERVATION_GPU_SECONDS), Map.of());
        ReservationCharge charge = ReservationCharge.decide(List.of(300L, 100L), TEN_PERCENT, forReservations);
        assertEquals(List.of(new Posting(SUBSIDISED, -100), new Posting(PAID, -300), new Posting(OPERATOR, 270),
                new Posting(RESELLER, 90), new Posting(PLATFORM, 40)),
                charge.postings(forReservations, PAID, SUBSIDISED, List.of(OPERATOR, RESELLER), PLATFORM));

        Spendable forInference = new Spendable(1_000, 100, Set.of(Meter.INFERENCE_TOKENS), Map.of());
        ReservationCharge paidOnly = ReservationCharge.decide(List.of(300L, 100L), TEN_PERCENT, forInference);
        assertEquals(List.of(new Posting(PAID, -400), new Posting(OPERATOR, 270), new Posting(RESELLER, 90),
                new Posting(PLATFORM, 40)),
                paidOnly.postings(forInference, PAID, SUBSIDISED, List.of(OPERATOR, RESELLER), PLATFORM));
    }

    @Test
    void creditForInferenceAloneDoesNotCountTowardWhatAReservationMayTake() {
        Spendable forInference = new Spendable(150, 1_000, Set.of(Meter.INFERENCE_TOKENS), Map.of());
        ReservationCharge charge = ReservationCharge.decide(List.of(400L), TEN_PERCENT, forInference);

        assertEquals(150, charge.collected());
        assertEquals(List.of(new Posting(PAID, -150), new Posting(OPERATOR, 135), new Posting(PLATFORM, 15)),
                charge.postings(forInference, PAID, SUBSIDISED, List.of(OPERATOR), PLATFORM));
    }

    @Test
    void aFreePeriodMovesNoMoney() {
        ReservationCharge charge = ReservationCharge.decide(List.of(0L, 0L), TEN_PERCENT, paidOnly(1_000));

        assertEquals(0, charge.collected());
        assertEquals(List.of(0L, 0L), charge.proceeds());
        assertTrue(charge.postings(paidOnly(1_000), PAID, SUBSIDISED, List.of(OPERATOR, RESELLER), PLATFORM)
                .isEmpty());
    }
}
