package computepool.gguf.tokenizer;

import computepool.gguf.GgufMetadata;
import java.util.OptionalInt;

/** The ids of a vocabulary's BOS, EOS, unknown and padding tokens, from GGUF metadata where present. */
public record SpecialIds(OptionalInt bos, OptionalInt eos, OptionalInt unknown, OptionalInt padding) {

    static SpecialIds fromGguf(GgufMetadata metadata, int vocabSize) {
        return new SpecialIds(
                id(metadata, "tokenizer.ggml.bos_token_id", vocabSize),
                id(metadata, "tokenizer.ggml.eos_token_id", vocabSize),
                id(metadata, "tokenizer.ggml.unknown_token_id", vocabSize),
                id(metadata, "tokenizer.ggml.padding_token_id", vocabSize));
    }

    private static OptionalInt id(GgufMetadata metadata, String key, int vocabSize) {
        return metadata.optionalInt(key).map(id -> {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(key + " " + id + " is outside the vocabulary of " + vocabSize);
            }
            return OptionalInt.of(id);
        }).orElse(OptionalInt.empty());
    }
}
