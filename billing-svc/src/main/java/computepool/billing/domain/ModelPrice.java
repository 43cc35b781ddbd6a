package computepool.billing.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * The price of one model from an instant on, in integer nano-USD per million tokens.
 * Prices never go below zero; a later version replaces an earlier one from its own instant.
 */
public record ModelPrice(String modelId, Instant validFrom, long promptNanoUsdPerMillionTokens,
        long completionNanoUsdPerMillionTokens) {

    public ModelPrice {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(validFrom, "validFrom");
        if (promptNanoUsdPerMillionTokens < 0 || completionNanoUsdPerMillionTokens < 0) {
            throw new IllegalArgumentException("a price cannot be negative");
        }
    }
}
