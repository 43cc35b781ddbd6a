package computepool.gguf.tokenizer;

import static computepool.shard.LlamaCppFixture.ints;
import static computepool.shard.LlamaCppFixture.list;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import computepool.shard.LlamaCppFixture;
import computepool.shard.TestModel;
import computepool.gguf.GgufFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Tokenizer and chat template against llama.cpp, through the fixtures that
 * {@code shard-worker/scripts/make_fixtures.py} wrote from llama-cpp-python on the same GGUF.
 */
class LlamaCppFixtureTest {

    private static Tokenizer tokenizer;
    private static ChatTemplate template;

    @BeforeAll
    static void load() throws IOException {
        GgufFile gguf = GgufFile.open(TestModel.gguf());
        tokenizer = Tokenizer.fromGguf(gguf.metadata());
        template = ChatTemplate.fromGguf(gguf.metadata(), tokenizer);
    }

    @Test
    void installedGgufIsTheFileTheFixturesCameFrom() throws IOException, NoSuchAlgorithmException {
        Path path = TestModel.gguf();
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), sha256)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        assertEquals(LlamaCppFixture.root().get("gguf_sha256").asText(), HexFormat.of().formatHex(sha256.digest()),
                path + " is not the GGUF the fixtures were made from");
    }

    @Test
    void tokenizesEveryPromptAsLlamaCppDoes() {
        List<JsonNode> prompts = list("prompts");
        assertTrue(prompts.size() >= 20, "fixtures hold only " + prompts.size() + " prompts");
        assertAll(prompts.stream().map(p -> (Executable) () -> assertArrayEquals(
                ints(p.get("tokens")), tokenizer.encode(p.get("text").asText()), "tokens of " + p.get("text"))));
    }

    @Test
    void decodingTheTokensGivesBackEveryPrompt() {
        assertAll(list("prompts").stream().map(p -> p.get("text").asText()).map(text -> (Executable) () ->
                assertEquals(text, tokenizer.decode(tokenizer.encode(text)))));
    }

    @Test
    void rendersChatPromptsAsLlamaCppDoes() {
        List<JsonNode> chats = list("chats");
        assertTrue(chats.size() >= 5, "fixtures hold only " + chats.size() + " chats");
        assertAll(chats.stream().map(chat -> (Executable) () -> assertEquals(chat.get("prompt").asText(),
                template.render(messages(chat.get("messages")), chat.get("add_generation_prompt").asBoolean()))));
    }

    @Test
    void tokenizesTheGenerationPromptsAsLlamaCppDoes() {
        assertAll(list("generations").stream().map(g -> (Executable) () -> assertArrayEquals(
                ints(g.get("prompt_tokens")), tokenizer.encode(g.get("prompt").asText()))));
    }

    private static List<ChatTemplate.Message> messages(JsonNode array) {
        return LlamaCppFixture.list(array).stream()
                .map(m -> new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText()))
                .toList();
    }
}
