package computepool.gateway.usage;

import com.google.protobuf.Timestamp;
import computepool.gateway.auth.Caller;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.SessionSummary;
import computepool.shard.v1.ShardTiming;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.VoucherPayment;
import computepool.usage.v1.WorkerShare;
import computepool.workers.v1.Stage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Builds the {@code InferenceUsage} of one request from how its session ended. */
public final class UsageEvents {

    private UsageEvents() {
    }

    /**
     * @param summary         what the shards reported, when the session ran to its end; without it (a disconnect, a
     *                        failure) every stage counts as having served from start to end, and the completion as
     *                        the tokens the gateway received
     * @param promptTokens    the prompt as the gateway tokenized it, when no summary says otherwise
     * @param tokensReceived  tokens that reached the gateway
     */
    public static InferenceUsage of(String requestId, Caller caller, String modelId, List<Stage> stages,
            Optional<SessionSummary> summary, FinishReason reason, int promptTokens, int tokensReceived,
            Instant startedAt, Instant endedAt) {
        InferenceUsage.Builder usage = InferenceUsage.newBuilder()
                .setRequestId(requestId)
                .setModelId(modelId)
                .setPromptTokens(summary.map(SessionSummary::getPromptTokens).orElse(promptTokens))
                .setCompletionTokens(summary.map(SessionSummary::getCompletionTokens).orElse(tokensReceived))
                .setStartedAt(timestamp(startedAt))
                .setEndedAt(timestamp(endedAt))
                .setFinishReason(reason);
        caller.developerId().ifPresent(usage::setDeveloperId);
        caller.apiKeyId().ifPresent(usage::setApiKeyId);
        caller.keycloakSubject().ifPresent(usage::setKeycloakSubject);
        caller.voucher().ifPresent(voucher -> usage.setVoucher(VoucherPayment.newBuilder()
                .setPayer(voucher.payer())
                .setPaidNanoUsd(voucher.paidNanoUsd())
                .setNetwork(voucher.network())
                .setTransaction(voucher.transaction())));
        Map<String, ShardTiming> timings = summary.map(s -> s.getShardsList().stream()
                        .collect(Collectors.toMap(ShardTiming::getWorkerId, Function.identity(), (a, b) -> a)))
                .orElse(Map.of());
        long wallMillis = Math.max(0, endedAt.toEpochMilli() - startedAt.toEpochMilli());
        for (Stage stage : stages) {
            ShardTiming timing = timings.get(stage.getWorkerId());
            usage.addWorkerShares(WorkerShare.newBuilder()
                    .setWorkerId(stage.getWorkerId())
                    .setOperatorId(stage.getOperatorId())
                    .setNodeId(stage.getNodeId())
                    .setLayerCount(stage.getLayerEnd() - stage.getLayerStart())
                    .setServedMillis(timing != null ? timing.getServedMillis() : wallMillis));
        }
        return usage.build();
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
