package computepool.gateway.inference;

import computepool.gateway.models.ServedModel;
import computepool.shard.v1.SamplingParams;
import java.util.Objects;

/**
 * A completion request the gateway can run: the prompt as token ids, how many tokens to generate at most, how to
 * sample them, and how to answer.
 *
 * @param includeUsage a streamed answer ends with a chunk carrying the usage ({@code stream_options.include_usage})
 */
public record Completion(CompletionKind kind, ServedModel model, int[] promptTokens, int maxTokens,
        SamplingParams sampling, boolean stream, boolean includeUsage) {

    public Completion {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(sampling, "sampling");
    }
}
