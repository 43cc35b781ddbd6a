package computepool.market.domain;

import java.util.List;
import java.util.Objects;

/** What {@link PipelinePlanner} found for a model: a pipeline, or why there is none right now. */
public sealed interface PipelinePlan {

    /**
     * Workers in layer order: the first starts at layer 0, each starts where the previous one ends, the last ends
     * at {@code totalLayers}.
     */
    record Found(String modelId, int totalLayers, List<ShardWorker> stages) implements PipelinePlan {

        public Found {
            Objects.requireNonNull(modelId, "modelId");
            stages = List.copyOf(stages);
        }
    }

    /** @param reason which layers no usable worker serves, for the caller to read */
    record Missing(String reason) implements PipelinePlan {

        public Missing {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
