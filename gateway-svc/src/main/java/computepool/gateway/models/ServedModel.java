package computepool.gateway.models;

import computepool.gguf.tokenizer.ChatTemplate;
import computepool.gguf.tokenizer.Tokenizer;
import java.time.Instant;
import java.util.Objects;

/**
 * A model the gateway serves: what it needs to turn requests into prompt tokens and to check them against the
 * model's context, read from the model's GGUF file.
 *
 * @param contextLength the most positions (prompt plus completion) a session may use
 * @param loadedAt      reported as the model's {@code created} time
 */
public record ServedModel(String id, Tokenizer tokenizer, ChatTemplate chatTemplate, int contextLength,
        Instant loadedAt) {

    public ServedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        Objects.requireNonNull(loadedAt, "loadedAt");
    }
}
