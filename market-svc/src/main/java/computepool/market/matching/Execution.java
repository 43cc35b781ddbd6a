package computepool.market.matching;

import java.util.List;
import java.util.Objects;

/** A buy filled whole: the GPUs it got from each sell, cheapest first. */
public record Execution(BuyOrder buy, List<Fill> fills) {

    public Execution {
        Objects.requireNonNull(buy, "buy");
        fills = List.copyOf(fills);
    }

    public long costNanoUsd() {
        return fills.stream().mapToLong(Fill::costNanoUsd).reduce(0, Math::addExact);
    }
}
