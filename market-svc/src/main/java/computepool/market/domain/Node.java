package computepool.market.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A machine an operator offers to the market, with its GPUs and the power it may draw. The power
 * budget is what the circuit can deliver continuously: a Nanopod on a household 15 A / 120 V
 * circuit has about 1,440 W. A node may carry more cards than it can run at once (four 450 W cards
 * run three at a time there); the market never sells more of them for an hour than the budget
 * allows, so only each card on its own must fit in it.
 */
public record Node(UUID id, String operatorId, String name, String zone, Interconnect interconnect,
        int powerBudgetWatts, List<GpuGroup> gpus, Instant registeredAt) {

    public Node {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(operatorId, "operatorId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(interconnect, "interconnect");
        Objects.requireNonNull(registeredAt, "registeredAt");
        gpus = List.copyOf(gpus);
    }

    /** The GPUs of a node being registered; {@code model} is a catalogue name, checked here. */
    public record GpuSpec(String model, int memoryGib, int count, int powerLimitWatts) {
    }

    /**
     * Registers a node for an operator, applying every rule of the market.
     *
     * @throws NodeRejected naming the field at fault, as a JSON path ({@code gpus[0].model})
     */
    public static Node register(String operatorId, String name, String zone, String interconnect,
            int powerBudgetWatts, List<GpuSpec> gpus, Instant now) {
        Interconnect link = Interconnect.named(interconnect)
                .orElseThrow(() -> new NodeRejected("interconnect", Interconnect.MUST_BE_KNOWN));
        if (powerBudgetWatts < 1) {
            throw new NodeRejected("powerBudgetWatts", "must be at least 1");
        }
        if (gpus == null || gpus.isEmpty()) {
            throw new NodeRejected("gpus", "a node needs at least one GPU entry");
        }
        List<GpuGroup> groups = new ArrayList<>(gpus.size());
        for (int i = 0; i < gpus.size(); i++) {
            GpuGroup group = group(gpus.get(i), "gpus[" + i + "]");
            if (group.powerLimitWatts() > powerBudgetWatts) {
                throw new NodeRejected("gpus[" + i + "].powerLimitWatts", "one card draws up to "
                        + group.powerLimitWatts() + " W, more than the budget of " + powerBudgetWatts + " W");
            }
            groups.add(group);
        }
        return new Node(UUID.randomUUID(), operatorId, name, zone, link, powerBudgetWatts, groups, now);
    }

    /** What the node's GPUs would draw all at their limits; it may exceed the budget. */
    public long peakWatts() {
        return gpus.stream().mapToLong(GpuGroup::peakWatts).sum();
    }

    private static GpuGroup group(GpuSpec spec, String path) {
        if (spec == null) {
            throw new NodeRejected(path, "must be a GPU entry, not null");
        }
        GpuModel model = GpuModel.named(spec.model())
                .orElseThrow(() -> new NodeRejected(path + ".model", GpuModel.MUST_BE_KNOWN));
        if (spec.memoryGib() < 1) {
            throw new NodeRejected(path + ".memoryGib", "must be at least 1");
        }
        if (spec.count() < 1) {
            throw new NodeRejected(path + ".count", "must be at least 1");
        }
        if (spec.powerLimitWatts() < 1) {
            throw new NodeRejected(path + ".powerLimitWatts", "must be at least 1");
        }
        return new GpuGroup(model, spec.memoryGib(), spec.count(), spec.powerLimitWatts());
    }
}
