package computepool.gguf.tokenizer;

/** GGUF's {@code tokenizer.ggml.token_type} values, which decide how a token is matched and decoded. */
enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    static TokenType of(int value) {
        if (value < 0 || value >= values().length) {
            throw new IllegalArgumentException("unknown tokenizer.ggml.token_type " + value);
        }
        return values()[value];
    }

    /** Matched whole in text before BPE (llama.cpp's special-token cache). */
    boolean special() {
        return this == UNKNOWN || this == CONTROL || this == USER_DEFINED;
    }
}
