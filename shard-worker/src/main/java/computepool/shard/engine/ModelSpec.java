package computepool.shard.engine;

import computepool.gguf.GgufFile;
import computepool.gguf.GgufMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a Llama-family decoder, read from a GGUF's {@code llama.*} metadata: everything the
 * engine needs to build a shard's graph and size its KV cache.
 *
 * @param layerCount decoder blocks ({@code llama.block_count})
 * @param hiddenSize width of the residual stream ({@code llama.embedding_length})
 * @param headCount query heads
 * @param kvHeadCount key/value heads; fewer than {@code headCount} means grouped-query attention
 * @param feedForwardSize inner width of the SwiGLU MLP
 * @param contextLength the longest sequence the model was trained for
 * @param vocabularySize rows of the token embedding
 * @param rmsNormEpsilon epsilon of every RMSNorm
 * @param ropeFreqBase rotary base frequency (theta)
 * @param tiedEmbeddings whether the LM head reuses the token embedding ({@code output.weight} absent)
 */
public record ModelSpec(int layerCount, int hiddenSize, int headCount, int kvHeadCount, int feedForwardSize,
        int contextLength, int vocabularySize, double rmsNormEpsilon, double ropeFreqBase, boolean tiedEmbeddings) {

    /** ONNX Runtime's CPU GroupQueryAttention kernel takes head sizes that are multiples of 16 only. */
    static final int HEAD_SIZE_MULTIPLE = 16;

    public ModelSpec {
        List<String> problems = new ArrayList<>();
        if (layerCount <= 0 || hiddenSize <= 0 || headCount <= 0 || kvHeadCount <= 0 || feedForwardSize <= 0
                || contextLength <= 0 || vocabularySize <= 0) {
            problems.add("every size must be positive");
        } else {
            if (hiddenSize % headCount != 0) {
                problems.add("hidden size " + hiddenSize + " is not a multiple of the head count " + headCount);
            } else if ((hiddenSize / headCount) % HEAD_SIZE_MULTIPLE != 0) {
                problems.add("head size " + hiddenSize / headCount + " is not a multiple of " + HEAD_SIZE_MULTIPLE
                        + ", which ONNX Runtime's GroupQueryAttention requires");
            }
            if (headCount % kvHeadCount != 0) {
                problems.add("head count " + headCount + " is not a multiple of the KV head count " + kvHeadCount);
            }
        }
        if (!(rmsNormEpsilon > 0) || !(ropeFreqBase > 0)) {
            problems.add("rmsNormEpsilon and ropeFreqBase must be positive");
        }
        if (!problems.isEmpty()) {
            throw new UnsupportedModelException(String.join("; ", problems));
        }
    }

    /**
     * Reads a Llama-family GGUF's shape, refusing what the engine would compute wrongly: another
     * architecture, partial rotary embeddings or rotary scaling.
     *
     * @throws UnsupportedModelException naming what is not supported
     */
    public static ModelSpec from(GgufFile gguf) {
        GgufMetadata metadata = gguf.metadata();
        String architecture = metadata.string("general.architecture");
        if (!architecture.equals("llama")) {
            throw new UnsupportedModelException("architecture " + architecture + " is not supported; only llama is");
        }
        int hidden = intValue(metadata, "llama.embedding_length");
        int heads = intValue(metadata, "llama.attention.head_count");
        int headSize = hidden / heads;
        int ropeDimensions = metadata.optionalInt("llama.rope.dimension_count").orElse(headSize);
        if (ropeDimensions != headSize) {
            throw new UnsupportedModelException("rotary embedding over " + ropeDimensions + " of " + headSize
                    + " head dimensions is not supported");
        }
        String scaling = metadata.find("llama.rope.scaling.type").map(Object::toString).orElse("none");
        if (!scaling.equals("none")) {
            throw new UnsupportedModelException("rope scaling " + scaling + " is not supported");
        }
        int vocabulary = metadata.optionalInt("llama.vocab_size")
                .orElseGet(() -> metadata.strings("tokenizer.ggml.tokens").size());
        return new ModelSpec(
                intValue(metadata, "llama.block_count"),
                hidden,
                heads,
                metadata.optionalInt("llama.attention.head_count_kv").orElse(heads),
                intValue(metadata, "llama.feed_forward_length"),
                intValue(metadata, "llama.context_length"),
                vocabulary,
                metadata.real("llama.attention.layer_norm_rms_epsilon"),
                metadata.optionalReal("llama.rope.freq_base").orElse(10_000.0),
                gguf.tensor("output.weight").isEmpty());
    }

    public int headSize() {
        return hiddenSize / headCount;
    }

    /** Width of the key (and of the value) projection: one head's size per KV head. */
    public int kvSize() {
        return kvHeadCount * headSize();
    }

    private static int intValue(GgufMetadata metadata, String key) {
        return Math.toIntExact(metadata.integer(key));
    }
}
