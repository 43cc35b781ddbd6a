package computepool.market.matching;

import java.util.Objects;

/** What became of a buy when it was placed. */
public sealed interface BuyOutcome {

    /** It filled whole at once. */
    record Filled(Execution execution) implements BuyOutcome {

        public Filled {
            Objects.requireNonNull(execution, "execution");
        }
    }

    /** A standing buy that could not fill yet: it waits in the book for sells until it expires or is cancelled. */
    record Resting() implements BuyOutcome {
    }

    /** An immediate-or-cancel buy that could not fill whole: nothing of it stays in the book. */
    record Cancelled() implements BuyOutcome {
    }
}
