package computepool.market.matching;

import java.util.List;
import java.util.Objects;

/** What became of a buy when it was placed. */
public sealed interface BuyOutcome {

    /**
     * It filled whole at once, taking the GPUs of the spot buys in {@code preempted} if it had to; what those gave up
     * beyond its needs filled the resting buys of {@code restingFilled}.
     */
    record Filled(Execution execution, List<Preemption> preempted, List<Execution> restingFilled)
            implements BuyOutcome {

        public Filled {
            Objects.requireNonNull(execution, "execution");
            preempted = List.copyOf(preempted);
            restingFilled = List.copyOf(restingFilled);
        }
    }

    /** A standing buy that could not fill yet: it waits in the book for sells until it expires or is cancelled. */
    record Resting() implements BuyOutcome {
    }

    /** An immediate-or-cancel buy that could not fill whole: nothing of it stays in the book. */
    record Cancelled() implements BuyOutcome {
    }
}
