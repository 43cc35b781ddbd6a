package computepool.gateway.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.shard.v1.FinishReason;

/**
 * The JSON of completion answers, field for field as OpenAI writes them: {@code chat.completion} and
 * {@code text_completion} objects, and the chunks of their streams. Fields OpenAI sends as null (logprobs,
 * system_fingerprint) are sent as null, so strict clients find every field they expect.
 */
final class OpenAiAnswers {

    private final ObjectMapper mapper;
    private final CompletionKind kind;
    private final String id;
    private final long created;
    private final String model;

    OpenAiAnswers(ObjectMapper mapper, CompletionKind kind, String id, long created, String model) {
        this.mapper = mapper;
        this.kind = kind;
        this.id = id;
        this.created = created;
        this.model = model;
    }

    /** The whole answer of a request that did not stream. */
    ObjectNode completion(String text, FinishReason finishReason, int promptTokens, int completionTokens) {
        ObjectNode answer = header(kind.object());
        ObjectNode choice = answer.putArray("choices").addObject();
        if (kind == CompletionKind.CHAT) {
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            message.putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(finishReason));
        } else {
            choice.put("text", text);
            choice.put("index", 0);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(finishReason));
        }
        answer.set("usage", usage(promptTokens, completionTokens));
        if (kind == CompletionKind.CHAT) {
            answer.putNull("system_fingerprint");
        }
        return answer;
    }

    /** The first chunk of a chat stream, announcing the assistant's role; text streams have none. */
    ObjectNode roleChunk(boolean includeUsage) {
        ObjectNode chunk = chunk(includeUsage);
        ObjectNode delta = choice(chunk).putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice(chunk).putNull("finish_reason");
        return chunk;
    }

    ObjectNode textChunk(String text, boolean includeUsage) {
        ObjectNode chunk = chunk(includeUsage);
        ObjectNode choice = choice(chunk);
        if (kind == CompletionKind.CHAT) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("finish_reason");
        return chunk;
    }

    /** The chunk that ends the choice: no new text, the finish reason. */
    ObjectNode finishChunk(FinishReason finishReason, boolean includeUsage) {
        ObjectNode chunk = chunk(includeUsage);
        ObjectNode choice = choice(chunk);
        if (kind == CompletionKind.CHAT) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.put("finish_reason", finishReason(finishReason));
        return chunk;
    }

    /** With {@code stream_options.include_usage}: the last chunk, no choices, the usage of the whole request. */
    ObjectNode usageChunk(int promptTokens, int completionTokens) {
        ObjectNode chunk = header(kind.chunkObject());
        chunk.putArray("choices");
        chunk.set("usage", usage(promptTokens, completionTokens));
        if (kind == CompletionKind.CHAT) {
            chunk.putNull("system_fingerprint");
        }
        return chunk;
    }

    private ObjectNode chunk(boolean includeUsage) {
        ObjectNode chunk = header(kind.chunkObject());
        if (kind == CompletionKind.CHAT) {
            chunk.putNull("system_fingerprint");
        }
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        if (includeUsage) {
            // OpenAI sends usage: null on every chunk but the last once usage is asked for.
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode choice(ObjectNode chunk) {
        return (ObjectNode) ((ArrayNode) chunk.get("choices")).get(0);
    }

    private ObjectNode header(String object) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", id);
        node.put("object", object);
        node.put("created", created);
        node.put("model", model);
        return node;
    }

    private ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = mapper.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    /** OpenAI knows {@code stop} (end of sequence or a stop sequence) and {@code length}. */
    static String finishReason(FinishReason reason) {
        return reason == FinishReason.FINISH_REASON_LENGTH ? "length" : "stop";
    }
}
