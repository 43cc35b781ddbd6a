package computepool.gguf.tokenizer;

import computepool.gguf.GgufMetadata;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's byte-level BPE tokenizer (GGUF {@code tokenizer.ggml.model = gpt2}), built from the
 * vocabulary, merges and pre-tokenizer name in the GGUF metadata and meant to give the same ids
 * as llama.cpp's {@code llama_tokenize} without a BOS.
 */
public final class Tokenizer {

    private final List<String> tokens;
    private final TokenType[] types;
    private final Map<String, Integer> ids;
    private final SpecialTokens specials;
    private final PreTokenizer preTokenizer;
    private final Bpe bpe;
    private final SpecialIds specialIds;

    private Tokenizer(List<String> tokens, TokenType[] types, PreTokenizer preTokenizer, Bpe bpe,
                      SpecialTokens specials, SpecialIds specialIds) {
        this.tokens = tokens;
        this.types = types;
        this.ids = new HashMap<>(tokens.size() * 2);
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id); // the highest id wins for a duplicated text, as in llama.cpp
        }
        this.preTokenizer = preTokenizer;
        this.bpe = bpe;
        this.specials = specials;
        this.specialIds = specialIds;
    }

    public static Tokenizer fromGguf(GgufMetadata metadata) {
        String model = metadata.string("tokenizer.ggml.model");
        if (!model.equals("gpt2")) {
            throw new IllegalArgumentException(
                    "tokenizer.ggml.model '" + model + "' is not supported; only gpt2 (byte-level BPE)");
        }
        List<String> tokens = metadata.strings("tokenizer.ggml.tokens");
        int[] rawTypes = metadata.ints("tokenizer.ggml.token_type");
        if (rawTypes.length != tokens.size()) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + rawTypes.length
                    + " entries for " + tokens.size() + " tokens");
        }
        TokenType[] types = new TokenType[rawTypes.length];
        for (int i = 0; i < rawTypes.length; i++) {
            types[i] = TokenType.of(rawTypes[i]);
        }
        return new Tokenizer(tokens, types,
                PreTokenizer.forName(metadata.string("tokenizer.ggml.pre")),
                new Bpe(metadata.strings("tokenizer.ggml.merges")),
                SpecialTokens.of(tokens, rawTypes),
                SpecialIds.fromGguf(metadata, tokens.size()));
    }

    /** Token ids of {@code text}, special tokens such as {@code <|im_start|>} matched whole. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Token ids of {@code text}; with {@code parseSpecial} false, control tokens are tokenized as
     * plain text (llama.cpp's {@code parse_special}). No BOS is added.
     */
    public int[] encode(String text, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        for (SpecialTokens.Fragment fragment : specials.partition(text, parseSpecial)) {
            if (!fragment.raw()) {
                out.add(fragment.token());
                continue;
            }
            for (String word : preTokenizer.split(fragment.text())) {
                for (String symbol : bpe.merge(ByteLevel.encode(word))) {
                    addSymbol(symbol, out);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The text of {@code ids}, special tokens written out; bytes that are not valid UTF-8 become U+FFFD. */
    public String decode(int... ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            appendBytes(id, bytes);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Appends the bytes token {@code id} stands for, as llama.cpp's {@code token_to_piece} with special on. */
    void appendBytes(int id, ByteArrayOutputStream out) {
        String text = tokenText(id);
        switch (types[id]) {
            case NORMAL -> ByteLevel.decode(text, out);
            case UNKNOWN, CONTROL, USER_DEFINED -> out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            default -> {
                // Unused, byte and undefined tokens have no text in a byte-level vocabulary.
            }
        }
    }

    /** The vocabulary's text of token {@code id} (byte-level, so a leading space reads "Ġ"). */
    public String tokenText(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + tokens.size());
        }
        return tokens.get(id);
    }

    public int vocabSize() {
        return tokens.size();
    }

    public SpecialIds specialIds() {
        return specialIds;
    }

    private void addSymbol(String symbol, List<Integer> out) {
        Integer id = ids.get(symbol);
        if (id != null) {
            out.add(id);
            return;
        }
        // A merge result the vocabulary lacks (an inconsistent vocabulary): llama.cpp then looks up
        // each byte of its text alone and drops what it does not find, so only ASCII can survive.
        symbol.chars()
                .filter(c -> c < 0x80)
                .mapToObj(c -> ids.get(String.valueOf((char) c)))
                .filter(Objects::nonNull)
                .forEach(out::add);
    }
}
