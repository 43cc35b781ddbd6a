package computepool.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * llama.cpp's answers for the installed GGUF, written by {@code shard-worker/scripts/make_fixtures.py},
 * and the exact float64 reference for the same positions, written by {@code make_reference.py}.
 */
public final class LlamaCppFixture {

    private static final JsonNode ROOT = read("llamacpp-smollm2.json");
    private static final JsonNode REFERENCE = read("reference-smollm2.json");

    private LlamaCppFixture() {
    }

    public static JsonNode root() {
        return ROOT;
    }

    /** The float64 reference: per generation of {@link #root()}, the top-5 logprobs at each position. */
    public static JsonNode reference() {
        return REFERENCE;
    }

    public static List<JsonNode> list(String field) {
        return list(ROOT.get(field));
    }

    public static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    public static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    private static JsonNode read(String file) {
        try (InputStream in = LlamaCppFixture.class.getResourceAsStream("/fixtures/" + file)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
