package computepool.market.orders;

import computepool.market.domain.GpuModel;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What a filled buy holds: its GPUs for its hours.
 *
 * @param heldUntilHour the hour it stops holding them: {@code endHour}, or earlier once given up or preempted
 * @param endedEarly    why it stops before {@code endHour}
 * @param refundNanoUsd what of {@code costNanoUsd} is not due: the hours it gave up
 */
public record StoredReservation(UUID id, UUID buyOrderId, String buyerId, GpuModel gpuModel, int gpuCount,
        long startHour, long endHour, long heldUntilHour, long costNanoUsd, boolean spot,
        Optional<EndedEarly> endedEarly, long refundNanoUsd, Instant createdAt) {

    public enum EndedEarly {
        CANCELLED,
        PREEMPTED
    }
}
