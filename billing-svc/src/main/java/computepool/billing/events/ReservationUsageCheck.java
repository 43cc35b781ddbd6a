package computepool.billing.events;

import computepool.usage.v1.ReservationShare;
import computepool.usage.v1.ReservationUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What a {@code ReservationUsage} must hold before it can be charged; each reason names the offending field, as the
 * parked event's reason tells whoever looks.
 */
final class ReservationUsageCheck {

    /** How far ahead of this service's clock a metering service's clock may be. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private ReservationUsageCheck() {
    }

    /**
     * @param now this service's time: GPU time is charged once it has passed
     * @throws IllegalArgumentException naming the field, for a usage that can never be charged
     */
    static void check(ReservationUsage usage, Instant now) {
        notBlank(usage.getUsageId(), "usage_id");
        notBlank(usage.getReservationId(), "reservation_id");
        notBlank(usage.getBuyerKeycloakSubject(), "buyer_keycloak_subject");
        if (!usage.getBuyOrderId().isEmpty()) {
            try {
                UUID.fromString(usage.getBuyOrderId());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("buy_order_id must be a UUID, not '" + usage.getBuyOrderId() + "'");
            }
        }
        notBlank(usage.getGpuModel(), "gpu_model");
        if (!usage.hasPeriodStart()) {
            throw new IllegalArgumentException("period_start must be set");
        }
        if (!usage.hasPeriodEnd()) {
            throw new IllegalArgumentException("period_end must be set");
        }
        Instant start = InferenceBilling.instant(usage.getPeriodStart());
        Instant end = InferenceBilling.instant(usage.getPeriodEnd());
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("period_end " + end + " must be after period_start " + start);
        }
        if (end.isAfter(now.plus(CLOCK_SKEW))) {
            throw new IllegalArgumentException("period_end " + end + " is in the future: GPU time is charged once it "
                    + "has passed");
        }
        if (usage.getGpuSeconds() < 0) {
            throw new IllegalArgumentException("gpu_seconds must not be negative, not " + usage.getGpuSeconds());
        }
        if (usage.getCostNanoUsd() < 0) {
            throw new IllegalArgumentException("cost_nano_usd must not be negative, not " + usage.getCostNanoUsd());
        }
        if (usage.getSharesCount() == 0) {
            throw new IllegalArgumentException("shares must not be empty: someone sold the GPUs");
        }
        long sharesCost = 0;
        for (int i = 0; i < usage.getSharesCount(); i++) {
            check(usage.getShares(i), "shares[" + i + "]");
            try {
                sharesCost = Math.addExact(sharesCost, usage.getShares(i).getCostNanoUsd());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shares[].cost_nano_usd overflow when summed");
            }
        }
        if (sharesCost != usage.getCostNanoUsd()) {
            throw new IllegalArgumentException("cost_nano_usd " + usage.getCostNanoUsd()
                    + " is not the sum of shares[].cost_nano_usd, " + sharesCost);
        }
    }

    private static void check(ReservationShare share, String field) {
        notBlank(share.getSellerId(), field + ".seller_id");
        notBlank(share.getOperatorId(), field + ".operator_id");
        notBlank(share.getNodeId(), field + ".node_id");
        switch (share.getSellerKind()) {
            case OPERATOR -> {
                // The operator sells its own cards: paying any other subject would pay the wrong account.
                if (!share.getSellerId().equals(share.getOperatorId())) {
                    throw new IllegalArgumentException(field + ".seller_id '" + share.getSellerId()
                            + "' of an OPERATOR share must be its operator_id '" + share.getOperatorId() + "'");
                }
            }
            case RESELLER -> {
            }
            default -> throw new IllegalArgumentException(field + ".seller_kind must be OPERATOR or RESELLER, not "
                    + share.getSellerKind() + " (" + share.getSellerKindValue() + ")");
        }
        if (share.getGpuCount() <= 0) {
            throw new IllegalArgumentException(field + ".gpu_count must be positive, not " + share.getGpuCount());
        }
        if (share.getPriceNanoUsdPerGpuHour() < 0) {
            throw new IllegalArgumentException(field + ".price_nano_usd_per_gpu_hour must not be negative, not "
                    + share.getPriceNanoUsdPerGpuHour());
        }
        if (share.getCostNanoUsd() < 0) {
            throw new IllegalArgumentException(field + ".cost_nano_usd must not be negative, not "
                    + share.getCostNanoUsd());
        }
    }

    private static void notBlank(String value, String field) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
    }
}
