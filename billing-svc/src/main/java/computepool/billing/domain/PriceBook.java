package computepool.billing.domain;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The versions of one model's price; answers which one was valid at a given instant. */
public record PriceBook(List<ModelPrice> versions) {

    public PriceBook {
        versions = versions.stream().sorted(Comparator.comparing(ModelPrice::validFrom)).toList();
    }

    /** The latest version that took effect at or before {@code at}; empty before the first one. */
    public Optional<ModelPrice> validAt(Instant at) {
        ModelPrice valid = null;
        for (ModelPrice version : versions) {
            if (version.validFrom().isAfter(at)) {
                break;
            }
            valid = version;
        }
        return Optional.ofNullable(valid);
    }
}
