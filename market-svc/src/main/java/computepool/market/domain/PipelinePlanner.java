package computepool.market.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Chooses the workers that serve one inference session of a model: a chain of healthy workers whose layer ranges
 * cover {@code [0, total_layers)} exactly once, each starting where the previous one ends.
 *
 * <p>Among all such chains it takes the least loaded one. The load of a worker is its share of session slots in
 * use ({@code active_sessions / max_sessions}, 0 before its first heartbeat); the load of a chain is the load of its
 * busiest stage, because that stage is the one a new session would wait on. Ties go to the chain with fewer stages
 * (fewer network hops), then to the one whose worker ids come first, so the same registry always gives the same
 * answer. A worker with every slot taken, or one the caller excludes, is not used.
 *
 * <p>All workers of a model must agree on its number of layers; should healthy ones disagree, the number most of
 * them announce wins (the smaller one on a tie) and the others are not used.
 */
public final class PipelinePlanner {

    private PipelinePlanner() {
    }

    /**
     * @param workers  registered workers, of any model and any health
     * @param excluded ids of workers the pipeline must not use
     */
    public static PipelinePlan plan(String modelId, Collection<RegisteredWorker> workers, Set<String> excluded,
            Instant now, Duration silenceLimit) {
        List<RegisteredWorker> healthy = workers.stream()
                .filter(worker -> worker.worker().modelId().equals(modelId))
                .filter(worker -> worker.healthy(now, silenceLimit))
                .toList();
        if (healthy.isEmpty()) {
            return new PipelinePlan.Missing("no healthy worker serves model " + modelId);
        }
        int totalLayers = agreedTotalLayers(healthy);
        List<String> setAside = new ArrayList<>();
        List<RegisteredWorker> usable = new ArrayList<>();
        for (RegisteredWorker worker : sortedById(healthy)) {
            if (worker.worker().totalLayers() != totalLayers) {
                setAside.add(worker.workerId() + " (announced " + worker.worker().totalLayers() + " layers, not "
                        + totalLayers + ")");
            } else if (excluded.contains(worker.workerId())) {
                setAside.add(worker.workerId() + " (excluded)");
            } else if (worker.full()) {
                setAside.add(worker.workerId() + " (all " + worker.worker().maxSessions() + " sessions taken)");
            } else {
                usable.add(worker);
            }
        }
        List<Load> thresholds = usable.stream().map(Load::of).distinct().sorted().toList();
        for (Load threshold : thresholds) {
            List<ShardWorker> atMost = usable.stream()
                    .filter(worker -> Load.of(worker).compareTo(threshold) <= 0)
                    .map(RegisteredWorker::worker)
                    .toList();
            Optional<List<ShardWorker>> chain = shortestChain(atMost, totalLayers);
            if (chain.isPresent()) {
                return new PipelinePlan.Found(modelId, totalLayers, chain.get());
            }
        }
        return new PipelinePlan.Missing(whyNoChain(modelId, totalLayers, usable)
                + (setAside.isEmpty() ? "" : "; not used: " + String.join(", ", setAside)));
    }

    private static int agreedTotalLayers(List<RegisteredWorker> healthy) {
        Map<Integer, Long> votes = healthy.stream()
                .collect(Collectors.groupingBy(worker -> worker.worker().totalLayers(), TreeMap::new,
                        Collectors.counting()));
        return votes.entrySet().stream()
                .max(Map.Entry.<Integer, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey(
                        Comparator.reverseOrder())))
                .orElseThrow()
                .getKey();
    }

    /**
     * The chain with the fewest stages, then the smallest worker ids, found backwards over layer boundaries: the
     * best chain from boundary {@code b} is one worker starting at {@code b} followed by the best chain from where
     * that worker ends.
     */
    private static Optional<List<ShardWorker>> shortestChain(List<ShardWorker> workers, int totalLayers) {
        Map<Integer, List<ShardWorker>> startingAt = new HashMap<>();
        for (ShardWorker worker : workers) {
            startingAt.computeIfAbsent(worker.layerStart(), start -> new ArrayList<>()).add(worker);
        }
        List<List<ShardWorker>> bestFrom = new ArrayList<>(totalLayers + 1);
        for (int boundary = 0; boundary <= totalLayers; boundary++) {
            bestFrom.add(null);
        }
        bestFrom.set(totalLayers, List.of());
        for (int boundary = totalLayers - 1; boundary >= 0; boundary--) {
            List<ShardWorker> best = null;
            for (ShardWorker worker : startingAt.getOrDefault(boundary, List.of())) {
                List<ShardWorker> rest = bestFrom.get(worker.layerEnd());
                if (rest == null) {
                    continue;
                }
                List<ShardWorker> candidate = new ArrayList<>(rest.size() + 1);
                candidate.add(worker);
                candidate.addAll(rest);
                if (best == null || CHAIN_ORDER.compare(candidate, best) < 0) {
                    best = candidate;
                }
            }
            bestFrom.set(boundary, best);
        }
        return Optional.ofNullable(bestFrom.get(0)).map(List::copyOf);
    }

    private static final Comparator<List<ShardWorker>> CHAIN_ORDER = Comparator
            .<List<ShardWorker>>comparingInt(List::size)
            .thenComparing((a, b) -> {
                for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                    int order = a.get(i).workerId().compareTo(b.get(i).workerId());
                    if (order != 0) {
                        return order;
                    }
                }
                return 0;
            });

    /** The first layers no usable worker serves or, when every layer is served, where the chain from 0 breaks. */
    private static String whyNoChain(String modelId, int totalLayers, List<RegisteredWorker> usable) {
        boolean[] served = new boolean[totalLayers];
        for (RegisteredWorker worker : usable) {
            for (int layer = worker.worker().layerStart(); layer < worker.worker().layerEnd(); layer++) {
                served[layer] = true;
            }
        }
        for (int layer = 0; layer < totalLayers; layer++) {
            if (!served[layer]) {
                int last = layer;
                while (last + 1 < totalLayers && !served[last + 1]) {
                    last++;
                }
                return "no healthy worker of " + modelId + " serves "
                        + (last == layer ? "layer " + layer : "layers " + layer + " to " + last)
                        + " (of " + totalLayers + ")";
            }
        }
        boolean[] reachable = new boolean[totalLayers + 1];
        reachable[0] = true;
        List<ShardWorker> byStart = usable.stream().map(RegisteredWorker::worker)
                .sorted(Comparator.comparingInt(ShardWorker::layerStart)).toList();
        for (ShardWorker worker : byStart) {
            if (reachable[worker.layerStart()]) {
                reachable[worker.layerEnd()] = true;
            }
        }
        int furthest = 0;
        for (int boundary = 0; boundary <= totalLayers; boundary++) {
            if (reachable[boundary]) {
                furthest = boundary;
            }
        }
        return "healthy workers of " + modelId + " serve every layer, but their ranges do not chain: no usable "
                + "worker starts at layer " + furthest + ", where the chain from layer 0 ends";
    }

    private static List<RegisteredWorker> sortedById(List<RegisteredWorker> workers) {
        return workers.stream().sorted(Comparator.comparing(RegisteredWorker::workerId)).toList();
    }

    /** A share of session slots in use, compared exactly as a fraction. */
    private record Load(long active, long max) implements Comparable<Load> {

        static Load of(RegisteredWorker worker) {
            long active = worker.activeSessions();
            long max = worker.worker().maxSessions();
            long gcd = gcd(Math.max(active, 0), max);
            return new Load(Math.max(active, 0) / gcd, max / gcd);
        }

        @Override
        public int compareTo(Load other) {
            return Long.compare(active * other.max, other.active * max);
        }

        private static long gcd(long a, long b) {
            return b == 0 ? Math.max(a, 1) : gcd(b, a % b);
        }
    }
}
