package computepool.gateway.inference;

import com.fasterxml.jackson.databind.JsonNode;
import computepool.gateway.api.ChatCompletionRequest;
import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.api.StreamOptions;
import computepool.gateway.api.TextCompletionRequest;
import computepool.gateway.models.ServedModel;
import computepool.gguf.tokenizer.ChatTemplate;
import computepool.shard.v1.SamplingParams;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a validated OpenAI request into a {@link Completion}: the prompt rendered with the model's chat template (chat)
 * or taken as it is (text), tokenized, and checked against the model's context; OpenAI's sampling parameters mapped
 * to the shards' (temperature 0 is greedy). Every refusal names the parameter at fault.
 */
public final class CompletionPlanner {

    /** OpenAI's limit on stop sequences. */
    static final int MAX_STOP_SEQUENCES = 4;

    private CompletionPlanner() {
    }

    public static Completion chat(ChatCompletionRequest request, ServedModel model, int defaultMaxTokens) {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        for (int i = 0; i < request.messages().size(); i++) {
            ChatCompletionRequest.Message message = request.messages().get(i);
            messages.add(new ChatTemplate.Message(message.role(), text(message.content(), "messages[" + i + "].content")));
        }
        String prompt;
        try {
            prompt = model.chatTemplate().render(messages, true);
        } catch (RuntimeException e) {
            // A template may refuse a conversation (roles out of order, for instance) with its own message.
            throw OpenAiException.invalid("messages", "The model's chat template refused these messages: "
                    + e.getMessage());
        }
        int[] tokens = model.tokenizer().encode(prompt);
        Integer requested = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        String maxParam = request.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        int maxTokens = maxTokens(model, tokens.length, requested, defaultMaxTokens, "messages", maxParam);
        return new Completion(CompletionKind.CHAT, model, tokens, maxTokens,
                sampling(request.temperature(), request.topP(), request.seed(), request.stop()),
                Boolean.TRUE.equals(request.stream()), includeUsage(request.stream(), request.streamOptions()));
    }

    public static Completion text(TextCompletionRequest request, ServedModel model) {
        JsonNode prompt = request.prompt();
        if (prompt.isArray()) {
            if (prompt.size() != 1) {
                throw OpenAiException.invalid("prompt", "Only one prompt per request is supported; '"
                        + "prompt' holds " + prompt.size() + ".");
            }
            prompt = prompt.get(0);
        }
        if (!prompt.isTextual()) {
            throw OpenAiException.invalid("prompt", "Invalid 'prompt': must be a string or an array of one string.");
        }
        if (prompt.asText().isEmpty()) {
            throw OpenAiException.invalid("prompt", "Invalid 'prompt': must not be empty.");
        }
        int[] tokens = model.tokenizer().encode(prompt.asText());
        int requested = request.maxTokens() != null ? request.maxTokens() : TextCompletionRequest.DEFAULT_MAX_TOKENS;
        int maxTokens = maxTokens(model, tokens.length, requested, requested, "prompt", "max_tokens");
        return new Completion(CompletionKind.TEXT, model, tokens, maxTokens,
                sampling(request.temperature(), request.topP(), request.seed(), request.stop()),
                Boolean.TRUE.equals(request.stream()), includeUsage(request.stream(), request.streamOptions()));
    }

    /** A message's text: a string, or the concatenated text of an array of text parts. */
    static String text(JsonNode content, String param) {
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw OpenAiException.invalid(param + "[" + i + "]", "Invalid '" + param + "[" + i
                            + "]': only parts of type 'text' with a string 'text' are supported.");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw OpenAiException.invalid(param, "Invalid '" + param + "': must be a string or an array of text parts.");
    }

    private static int maxTokens(ServedModel model, int promptTokens, Integer requested, int defaultMaxTokens,
            String promptParam, String maxParam) {
        int context = model.contextLength();
        if (promptTokens >= context) {
            throw contextExceeded(promptParam, "This model's maximum context length is " + context
                    + " tokens. However, your " + promptParam + " resulted in " + promptTokens
                    + " tokens, leaving none for the completion.");
        }
        if (requested == null) {
            return Math.min(defaultMaxTokens, context - promptTokens);
        }
        if (promptTokens + requested > context) {
            throw contextExceeded(maxParam, "This model's maximum context length is " + context
                    + " tokens. However, you requested " + (promptTokens + requested) + " tokens (" + promptTokens
                    + " in the " + promptParam + ", " + requested + " in the completion). Please reduce the length "
                    + "of the " + promptParam + " or the completion.");
        }
        return requested;
    }

    private static OpenAiException contextExceeded(String param, String message) {
        return new OpenAiException(Response.Status.BAD_REQUEST, message, OpenAiError.INVALID_REQUEST, param,
                "context_length_exceeded");
    }

    private static SamplingParams sampling(Double temperature, Double topP, Long seed, JsonNode stop) {
        double t = temperature == null ? 1.0 : temperature;
        SamplingParams.Builder sampling = SamplingParams.newBuilder()
                .setGreedy(t == 0.0)
                .setTemperature((float) t)
                .setTopP(topP == null ? 1.0f : topP.floatValue())
                .addAllStop(stopSequences(stop));
        if (seed != null) {
            sampling.setSeed(seed);
        }
        return sampling.build();
    }

    static List<String> stopSequences(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return nonEmpty(List.of(stop.asText()));
        }
        if (stop.isArray()) {
            if (stop.size() > MAX_STOP_SEQUENCES) {
                throw OpenAiException.invalid("stop", "Invalid 'stop': at most " + MAX_STOP_SEQUENCES
                        + " sequences are allowed, got " + stop.size() + ".");
            }
            List<String> sequences = new ArrayList<>();
            for (JsonNode sequence : stop) {
                if (!sequence.isTextual()) {
                    throw OpenAiException.invalid("stop", "Invalid 'stop': must be a string or an array of strings.");
                }
                sequences.add(sequence.asText());
            }
            return nonEmpty(sequences);
        }
        throw OpenAiException.invalid("stop", "Invalid 'stop': must be a string or an array of strings.");
    }

    private static List<String> nonEmpty(List<String> sequences) {
        if (sequences.stream().anyMatch(String::isEmpty)) {
            throw OpenAiException.invalid("stop", "Invalid 'stop': a stop sequence must not be empty.");
        }
        return sequences;
    }

    private static boolean includeUsage(Boolean stream, StreamOptions options) {
        if (options != null && !Boolean.TRUE.equals(stream)) {
            throw OpenAiException.invalid("stream_options",
                    "Invalid 'stream_options': only allowed when 'stream' is true.");
        }
        return options != null && Boolean.TRUE.equals(options.includeUsage());
    }
}
