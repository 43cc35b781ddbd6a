package computepool.billing.events;

import com.google.protobuf.Timestamp;
import computepool.billing.domain.Meter;
import computepool.billing.store.ChargeStore;
import computepool.billing.v1.BalanceLow;
import computepool.billing.v1.ChargeApplied;
import computepool.billing.v1.EarningKind;
import computepool.billing.v1.OperatorEarned;
import computepool.events.Outbox;
import computepool.events.Topics;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What billing tells the platform about a charge, through its outbox on the {@code billing} topic, in the charge's own
 * transaction: {@code ChargeApplied} (key: the developer, or the wallet that paid by voucher), an
 * {@code OperatorEarned} per operator that earned something from a request (key: the operator), and {@code BalanceLow}
 * when the charge took a developer's balance below the threshold.
 */
@ApplicationScoped
public class BillingEvents {

    private final Outbox outbox;

    public BillingEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Appends the charge's events inside the current Hibernate transaction. */
    public Uni<Void> charged(ChargeStore.ChargeLine charge, Optional<String> usageEventId,
            Map<String, Long> earnings, long balanceBefore, long lowThreshold, Instant now) {
        Uni<Void> appended = Uni.createFrom().voidItem();
        for (Outbox.Entry entry : of(charge, usageEventId, earnings, balanceBefore, lowThreshold, now)) {
            appended = appended.chain(() -> outbox.append(entry.topic(), entry.key(), entry.payload())
                    .replaceWithVoid());
        }
        return appended;
    }

    /**
     * The charge's events.
     *
     * @param usageEventId  the usage event's {@code ce_id}, when the charge came from the usage topic
     * @param earnings      each operator's part of the charge
     * @param balanceBefore the developer's paid and subsidised balances together, before the charge (unused for a
     *                      voucher's charge)
     * @param lowThreshold  below this, a developer is told its balance is low
     */
    public static List<Outbox.Entry> of(ChargeStore.ChargeLine charge, Optional<String> usageEventId,
            Map<String, Long> earnings, long balanceBefore, long lowThreshold, Instant now) {
        String chargeId = charge.transactionId().toString();
        String payerKey = charge.payerKey();
        List<Outbox.Entry> entries = new ArrayList<>();
        ChargeApplied.Builder applied = ChargeApplied.newBuilder()
                .setChargeId(chargeId)
                .setRequestId(charge.requestId())
                .setAmountNanoUsd(charge.amountNanoUsd())
                .setMeter(charge.meter())
                .setModelId(charge.modelId())
                .setOccurredAt(timestamp(charge.occurredAt()));
        if (charge.developerId() != null) {
            applied.setDeveloperId(payerKey);
        } else {
            applied.setVoucherPayer(payerKey);
        }
        usageEventId.ifPresent(applied::setUsageEventId);
        entries.add(new Outbox.Entry(Topics.BILLING, payerKey, applied.build()));
        for (Map.Entry<String, Long> earning : earnings.entrySet()) {
            if (earning.getValue() == 0) {
                continue;
            }
            entries.add(new Outbox.Entry(Topics.BILLING, earning.getKey(), earned(chargeId, earning,
                    usageEventId.orElse(""), charge.occurredAt())
                    .setModelId(charge.modelId() == null ? "" : charge.modelId())
                    .setKind(EarningKind.INFERENCE)
                    .build()));
        }
        if (charge.developerId() != null) {
            balanceLow(charge.developerId(), chargeId, charge.amountNanoUsd(), balanceBefore, lowThreshold, now)
                    .ifPresent(entries::add);
        }
        return entries;
    }

    /**
     * Appends the events of a reservation's period charged to its buyer: {@code ChargeApplied} naming the
     * reservation, an {@code OperatorEarned} per operator that sold GPUs of the period (its proceeds, paid from the
     * pool of the GPU model, {@code gpu:<model>}), and {@code BalanceLow} when it took the buyer below the threshold.
     * A reseller's proceeds are its own money already, in its paid wallet, and publish nothing.
     */
    public Uni<Void> reservationCharged(ChargeStore.ReservationChargeLine charge, String usageEventId,
            long balanceBefore, long lowThreshold, Instant now) {
        String chargeId = charge.transactionId().toString();
        List<Outbox.Entry> entries = new ArrayList<>();
        entries.add(new Outbox.Entry(Topics.BILLING, charge.developerId().toString(), ChargeApplied.newBuilder()
                .setChargeId(chargeId)
                .setDeveloperId(charge.developerId().toString())
                .setUsageEventId(usageEventId)
                .setAmountNanoUsd(charge.amountNanoUsd())
                .setMeter(Meter.RESERVATION_GPU_SECONDS)
                .setOccurredAt(timestamp(charge.periodStart()))
                .setReservationId(charge.reservationId())
                .setReservationUsageId(charge.usageId())
                .setGpuModel(charge.gpuModel())
                .build()));
        Map<String, Long> earnings = new LinkedHashMap<>();
        for (ChargeStore.SoldShare share : charge.shares()) {
            if (share.sellerKind().equals("OPERATOR") && share.proceedsNanoUsd() > 0) {
                earnings.merge(share.operatorId(), share.proceedsNanoUsd(), Math::addExact);
            }
        }
        for (Map.Entry<String, Long> earning : earnings.entrySet()) {
            entries.add(new Outbox.Entry(Topics.BILLING, earning.getKey(), earned(chargeId, earning, usageEventId,
                    charge.periodStart())
                    .setModelId(reservationPool(charge.gpuModel()))
                    .setKind(EarningKind.RESERVATION)
                    .setReservationId(charge.reservationId())
                    .setGpuModel(charge.gpuModel())
                    .build()));
        }
        balanceLow(charge.developerId(), chargeId, charge.amountNanoUsd(), balanceBefore, lowThreshold, now)
                .ifPresent(entries::add);
        Uni<Void> appended = Uni.createFrom().voidItem();
        for (Outbox.Entry entry : entries) {
            appended = appended.chain(() -> outbox.append(entry.topic(), entry.key(), entry.payload())
                    .replaceWithVoid());
        }
        return appended;
    }

    /** An operator's part of a charge: one earning per charge and operator, the same id whoever computes it again. */
    private static OperatorEarned.Builder earned(String chargeId, Map.Entry<String, Long> earning,
            String usageEventId, Instant occurredAt) {
        return OperatorEarned.newBuilder()
                .setEarningId(UUID.nameUUIDFromBytes((chargeId + "/" + earning.getKey())
                        .getBytes(StandardCharsets.UTF_8)).toString())
                .setOperatorId(earning.getKey())
                .setAmountNanoUsd(earning.getValue())
                .setChargeId(chargeId)
                .setUsageEventId(usageEventId)
                .setOccurredAt(timestamp(occurredAt));
    }

    /** The pool operators selling GPU time of a GPU model are paid from: one per GPU model, beside the models'. */
    public static String reservationPool(String gpuModel) {
        return "gpu:" + gpuModel;
    }

    /** {@code BalanceLow} when a charge takes the developer's balance from at or above the threshold to below it. */
    private static Optional<Outbox.Entry> balanceLow(UUID developerId, String chargeId, long amount,
            long balanceBefore, long lowThreshold, Instant now) {
        long balanceAfter = balanceBefore - amount;
        if (balanceBefore < lowThreshold || balanceAfter >= lowThreshold) {
            return Optional.empty();
        }
        return Optional.of(new Outbox.Entry(Topics.BILLING, developerId.toString(), BalanceLow.newBuilder()
                .setDeveloperId(developerId.toString())
                .setBalanceNanoUsd(balanceAfter)
                .setThresholdNanoUsd(lowThreshold)
                .setChargeId(chargeId)
                .setOccurredAt(timestamp(now))
                .build()));
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
