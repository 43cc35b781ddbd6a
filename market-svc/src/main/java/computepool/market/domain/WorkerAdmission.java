package computepool.market.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Whether an announcement may join the registry. One node of one operator serves each layer of a model at most
 * once: a second worker there claiming layers a healthy one already serves is refused, and so is a worker that
 * disagrees with the healthy workers of its model about how many layers the model has.
 */
public final class WorkerAdmission {

    private WorkerAdmission() {
    }

    /**
     * @param others the registered workers of the newcomer's model, the newcomer itself excluded or not
     * @return why the newcomer is refused, or empty when it is admitted
     */
    public static Optional<String> refusal(ShardWorker newcomer, Collection<RegisteredWorker> others, Instant now,
            Duration silenceLimit) {
        var incumbents = others.stream()
                .filter(other -> !other.workerId().equals(newcomer.workerId()))
                .filter(other -> other.worker().modelId().equals(newcomer.modelId()))
                .filter(other -> other.healthy(now, silenceLimit))
                .sorted(Comparator.comparing(RegisteredWorker::workerId))
                .map(RegisteredWorker::worker)
                .toList();
        Optional<String> overlap = incumbents.stream()
                .filter(incumbent -> incumbent.sameNodeAndModel(newcomer) && incumbent.overlaps(newcomer))
                .findFirst()
                .map(incumbent -> "node " + newcomer.nodeId() + " of operator " + newcomer.operatorId()
                        + " already serves layers " + incumbent.layers() + " of " + newcomer.modelId()
                        + " as worker " + incumbent.workerId() + "; worker " + newcomer.workerId()
                        + " claims " + newcomer.layers());
        if (overlap.isPresent()) {
            return overlap;
        }
        return incumbents.stream()
                .filter(incumbent -> incumbent.totalLayers() != newcomer.totalLayers())
                .findFirst()
                .map(incumbent -> "model " + newcomer.modelId() + " has " + incumbent.totalLayers()
                        + " layers according to worker " + incumbent.workerId() + "; worker " + newcomer.workerId()
                        + " announced " + newcomer.totalLayers());
    }
}
