package computepool.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.shard.TestModel;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real SmolLM2-135M-Instruct Q4_1 file that the build installs. */
class SmolLm2GgufTest {

    private static GgufFile file;

    @BeforeAll
    static void open() throws IOException {
        file = GgufFile.open(TestModel.gguf());
    }

    @Test
    void metadataDescribesTheLlamaArchitecture() {
        GgufMetadata m = file.metadata();
        assertEquals("llama", m.string("general.architecture"));
        assertEquals(30, m.integer("llama.block_count"));
        assertEquals(576, m.integer("llama.embedding_length"));
        assertEquals(9, m.integer("llama.attention.head_count"));
        assertEquals(3, m.integer("llama.attention.head_count_kv"));
        assertEquals(49152, m.integer("llama.vocab_size"));
        assertEquals(49152, m.strings("tokenizer.ggml.tokens").size());
        assertEquals(32, file.alignment());
    }

    @Test
    void tensorsHaveTheirShapesAndDequantize() {
        // 30 blocks of 9 tensors, the embedding (tied with the LM head) and the final norm.
        assertEquals(30 * 9 + 2, file.tensors().size());
        GgufTensor embedding = file.tensor("token_embd.weight").orElseThrow();
        assertEquals(GgmlType.Q8_0, embedding.type());
        assertArrayEquals(new long[] {576, 49152}, embedding.shape());
        GgufTensor query = file.tensor("blk.0.attn_q.weight").orElseThrow();
        assertEquals(GgmlType.Q4_1, query.type());
        assertEquals(576 * 576 / 32 * 20, query.data().remaining());
        float[] norm = file.tensor("output_norm.weight").orElseThrow().dequantize();
        assertEquals(576, norm.length);
        for (float v : query.dequantize()) {
            assertTrue(Float.isFinite(v) && Math.abs(v) < 100, "implausible weight " + v);
        }
    }
}
