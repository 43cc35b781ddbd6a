package computepool.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * The body of {@code POST /v1/chat/completions}, as OpenAI defines it; JSON names are snake_case
 * ({@code top_p}, {@code max_tokens}). Absent optional fields take OpenAI's defaults.
 *
 * @param maxCompletionTokens OpenAI's newer name for {@code max_tokens}; it wins when both are present
 * @param stop                a string or an array of up to 4 strings
 */
public record ChatCompletionRequest(
        @NotBlank(message = "is required")
        String model,
        @NotNull(message = "is required")
        @Size(min = 1, message = "must contain at least one message")
        List<@NotNull(message = "must be a message object") @Valid Message> messages,
        @DecimalMin(value = "0", message = "must be between 0 and 2")
        @DecimalMax(value = "2", message = "must be between 0 and 2")
        Double temperature,
        @DecimalMin(value = "0", message = "must be between 0 and 1")
        @DecimalMax(value = "1", message = "must be between 0 and 1")
        Double topP,
        @Min(value = 1, message = "must be at least 1")
        Integer maxTokens,
        @Min(value = 1, message = "must be at least 1")
        Integer maxCompletionTokens,
        @Min(value = 1, message = "only 1 choice per request is supported")
        @Max(value = 1, message = "only 1 choice per request is supported")
        Integer n,
        Boolean stream,
        @Valid
        StreamOptions streamOptions,
        JsonNode stop,
        Long seed,
        @Size(max = 256, message = "must be at most 256 characters")
        String user) {

    /**
     * One turn of the conversation.
     *
     * @param content a string, or an array of {@code {"type": "text", "text": ...}} parts
     */
    public record Message(
            @NotNull(message = "is required")
            @Pattern(regexp = "system|user|assistant|tool", message = "must be one of system, user, assistant, tool")
            String role,
            @NotNull(message = "is required")
            JsonNode content,
            String name) {
    }
}
