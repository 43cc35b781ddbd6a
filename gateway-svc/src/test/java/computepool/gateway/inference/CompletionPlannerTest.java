package computepool.gateway.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.gateway.api.ChatCompletionRequest;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.api.StreamOptions;
import computepool.gateway.api.TextCompletionRequest;
import computepool.gateway.models.ServedModel;
import computepool.gguf.GgufFile;
import computepool.gguf.GgufMetadata;
import computepool.gguf.tokenizer.ChatTemplate;
import computepool.gguf.tokenizer.Tokenizer;
import computepool.shard.v1.FinishReason;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CompletionPlannerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServedModel model;

    @BeforeAll
    static void readModel() throws Exception {
        Path gguf = Path.of(Optional.ofNullable(System.getenv("COMPUTEPOOL_MODEL_GGUF")).orElse(
                System.getProperty("user.home") + "/.cache/computepool/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
        GgufMetadata metadata = GgufFile.open(gguf).metadata();
        Tokenizer tokenizer = Tokenizer.fromGguf(metadata);
        model = new ServedModel("smollm2", tokenizer, ChatTemplate.fromGguf(metadata, tokenizer), 8192,
                Instant.EPOCH);
    }

    private static ChatCompletionRequest chat(Object content, Double temperature, Integer maxTokens,
            Integer maxCompletionTokens, Object stop, Boolean stream, StreamOptions options) {
        return new ChatCompletionRequest("smollm2", List.of(new ChatCompletionRequest.Message("user",
                JSON.valueToTree(content), null)), temperature, null, maxTokens, maxCompletionTokens, null, stream,
                options, stop == null ? null : JSON.valueToTree(stop), 42L, null);
    }

    @Test
    void aChatIsRenderedWithTheModelsTemplateAndTokenized() {
        Completion completion = CompletionPlanner.chat(chat("Hi", 0.0, 5, null, null, null, null), model, 1024);
        String rendered = model.chatTemplate().render(List.of(new ChatTemplate.Message("user", "Hi")), true);
        assertArrayEquals(model.tokenizer().encode(rendered), completion.promptTokens());
        assertTrue(rendered.endsWith("<|im_start|>assistant\n"), rendered);
        assertEquals(5, completion.maxTokens());
        assertTrue(completion.sampling().getGreedy());
        assertEquals(42L, completion.sampling().getSeed());
    }

    @Test
    void textPartsAreJoinedAndTheNewerMaxWins() {
        Completion parts = CompletionPlanner.chat(chat(List.of(java.util.Map.of("type", "text", "text", "H"),
                java.util.Map.of("type", "text", "text", "i")), 0.7, 5, 9, List.of("\n\n", "END"), true,
                new StreamOptions(true)), model, 1024);
        Completion plain = CompletionPlanner.chat(chat("Hi", 0.7, null, null, null, null, null), model, 1024);
        assertArrayEquals(plain.promptTokens(), parts.promptTokens());
        assertEquals(9, parts.maxTokens());
        assertFalse(parts.sampling().getGreedy());
        assertEquals(0.7f, parts.sampling().getTemperature());
        assertEquals(List.of("\n\n", "END"), parts.sampling().getStopList());
        assertTrue(parts.stream() && parts.includeUsage());
        assertEquals(1024, plain.maxTokens(), "the configured default");
    }

    @Test
    void theDefaultNeverReachesPastTheContext() {
        ServedModel small = new ServedModel("small", model.tokenizer(), model.chatTemplate(), 40, Instant.EPOCH);
        Completion completion = CompletionPlanner.chat(chat("Hi", null, null, null, null, null, null), small, 1024);
        assertEquals(40 - completion.promptTokens().length, completion.maxTokens());
        OpenAiException over = assertThrows(OpenAiException.class,
                () -> CompletionPlanner.chat(chat("Hi", null, 39, null, null, null, null), small, 1024));
        assertEquals("max_tokens", over.error().error().param());
        assertEquals("context_length_exceeded", over.error().error().code());
    }

    @Test
    void aTextPromptIsTakenAsItIs() {
        TextCompletionRequest request = new TextCompletionRequest("smollm2", JSON.valueToTree(List.of("Once upon")),
                null, 0.5, null, null, false, null, JSON.valueToTree("."), null, null);
        Completion completion = CompletionPlanner.text(request, model);
        assertArrayEquals(model.tokenizer().encode("Once upon"), completion.promptTokens());
        assertEquals(TextCompletionRequest.DEFAULT_MAX_TOKENS, completion.maxTokens());
        assertEquals(0.5f, completion.sampling().getTopP());
        assertEquals(List.of("."), completion.sampling().getStopList());
        assertEquals(CompletionKind.TEXT, completion.kind());
    }

    @Test
    void chunksHaveOpenAisFields() {
        OpenAiAnswers chat = new OpenAiAnswers(JSON, CompletionKind.CHAT, "chatcmpl-1", 1700000000L, "smollm2");
        ObjectNode role = chat.roleChunk(true);
        assertEquals("""
                {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"smollm2",\
                "system_fingerprint":null,"choices":[{"index":0,"logprobs":null,"delta":{"role":"assistant",\
                "content":""},"finish_reason":null}],"usage":null}""", role.toString());
        assertEquals("""
                {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"smollm2",\
                "system_fingerprint":null,"choices":[{"index":0,"logprobs":null,"delta":{},\
                "finish_reason":"length"}]}""", chat.finishChunk(FinishReason.FINISH_REASON_LENGTH, false).toString());
        assertEquals("""
                {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"smollm2",\
                "choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},\
                "system_fingerprint":null}""", chat.usageChunk(3, 4).toString());
        OpenAiAnswers text = new OpenAiAnswers(JSON, CompletionKind.TEXT, "cmpl-1", 1700000000L, "smollm2");
        assertEquals("""
                {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"smollm2",\
                "choices":[{"text":" a","index":0,"logprobs":null,"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}""",
                text.completion(" a", FinishReason.FINISH_REASON_STOP_SEQUENCE, 2, 1).toString());
    }
}
