package computepool.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /v1/completions} (OpenAI's legacy completions): the prompt is raw text, continued as it
 * is, without a chat template. {@code max_tokens} defaults to 16, as OpenAI's does.
 *
 * @param prompt a string, or an array holding exactly one string
 */
public record TextCompletionRequest(
        @NotBlank(message = "is required")
        String model,
        @NotNull(message = "is required")
        JsonNode prompt,
        @DecimalMin(value = "0", message = "must be between 0 and 2")
        @DecimalMax(value = "2", message = "must be between 0 and 2")
        Double temperature,
        @DecimalMin(value = "0", message = "must be between 0 and 1")
        @DecimalMax(value = "1", message = "must be between 0 and 1")
        Double topP,
        @Min(value = 1, message = "must be at least 1")
        Integer maxTokens,
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

    public static final int DEFAULT_MAX_TOKENS = 16;
}
