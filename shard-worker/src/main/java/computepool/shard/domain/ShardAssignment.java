package computepool.shard.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * What this worker serves and for whom: layers {@code [layerStart, layerEnd)} of one model, run
 * by an operator on one of their nodes, with earnings streamed to the operator's payout address.
 */
public record ShardAssignment(String modelId, int layerStart, int layerEnd, String operatorId, String nodeId,
        EvmAddress payoutAddress) {

    public ShardAssignment {
        List<String> problems = problems(modelId, layerStart, layerEnd, operatorId, nodeId);
        if (payoutAddress == null) {
            problems.add("payoutAddress is required");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Checks every value and names all that are wrong at once, so a misconfigured worker is fixed
     * in one pass.
     *
     * @throws IllegalArgumentException listing each problem
     */
    public static ShardAssignment of(String modelId, int layerStart, int layerEnd, String operatorId, String nodeId,
            String payoutAddress) {
        List<String> problems = problems(modelId, layerStart, layerEnd, operatorId, nodeId);
        EvmAddress address = null;
        try {
            address = new EvmAddress(payoutAddress);
        } catch (IllegalArgumentException e) {
            problems.add("payoutAddress: " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new ShardAssignment(modelId, layerStart, layerEnd, operatorId, nodeId, address);
    }

    /** How many layers this worker computes. */
    public int layerCount() {
        return layerEnd - layerStart;
    }

    private static List<String> problems(String modelId, int layerStart, int layerEnd, String operatorId,
            String nodeId) {
        List<String> problems = new ArrayList<>();
        if (blank(modelId)) {
            problems.add("modelId must not be blank");
        }
        if (layerStart < 0) {
            problems.add("layerStart must not be negative, is " + layerStart);
        }
        if (layerStart >= layerEnd) {
            problems.add("layerStart (" + layerStart + ") must be below layerEnd (" + layerEnd + ")");
        }
        if (blank(operatorId)) {
            problems.add("operatorId must not be blank");
        }
        if (blank(nodeId)) {
            problems.add("nodeId must not be blank");
        }
        return problems;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
