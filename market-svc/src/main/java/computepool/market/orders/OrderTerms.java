package computepool.market.orders;

import computepool.market.domain.GpuModel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/** What an order asks, checked for form by the API; the book checks it against the market's rules. */
public sealed interface OrderTerms {

    /** The request's fingerprint, what an idempotency key stands for. */
    String hash();

    /** An operator's offer of {@code gpuCount} cards of a node for each hour of {@code [startHour, endHour)}. */
    record Sell(UUID nodeId, GpuModel gpuModel, int gpuCount, long startHour, long endHour,
            long minPriceNanoUsdPerGpuHour) implements OrderTerms {

        @Override
        public String hash() {
            return sha256("sell|" + nodeId + "|" + gpuModel + "|" + gpuCount + "|" + startHour + "|" + endHour + "|"
                    + minPriceNanoUsdPerGpuHour);
        }
    }

    /**
     * A developer's order for {@code gpuCount} cards for {@code hours} hours from {@code startHour}.
     *
     * @param expiresAtHour until when it rests in the book if it cannot fill at once; empty for immediate-or-cancel
     * @param spot          a spot bid: immediate-or-cancel, paid at the clearing price, preempted by higher bids
     */
    record Buy(GpuModel gpuModel, int gpuCount, long startHour, int hours, long limitPriceNanoUsdPerGpuHour,
            boolean latencySensitive, Optional<Long> expiresAtHour, boolean spot) implements OrderTerms {

        /**
         * The most the buy can cost: every GPU for every hour at its limit price, which is what its buyer's funds
         * must hold before it enters the book.
         *
         * @throws ArithmeticException when that does not fit in a long
         */
        public long mostCostNanoUsd() {
            return Math.multiplyExact(Math.multiplyExact(limitPriceNanoUsdPerGpuHour, (long) gpuCount), (long) hours);
        }

        @Override
        public String hash() {
            return sha256("buy|" + gpuModel + "|" + gpuCount + "|" + startHour + "|" + hours + "|"
                    + limitPriceNanoUsdPerGpuHour + "|" + latencySensitive + "|" + expiresAtHour.orElse(-1L) + "|"
                    + spot);
        }
    }

    /** A buyer's offer of {@code gpuCount} GPUs of its reservation for each hour of {@code [startHour, endHour)}. */
    record Resale(UUID reservationId, int gpuCount, long startHour, long endHour, long minPriceNanoUsdPerGpuHour)
            implements OrderTerms {

        @Override
        public String hash() {
            return sha256("resale|" + reservationId + "|" + gpuCount + "|" + startHour + "|" + endHour + "|"
                    + minPriceNanoUsdPerGpuHour);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
