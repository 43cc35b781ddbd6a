package computepool.gguf.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated tokens into text one token at a time. A byte-level token may end inside a
 * UTF-8 character (an emoji is often two or three tokens), so the bytes of an unfinished
 * character are held back until the token that completes it arrives.
 */
public final class StreamDecoder {

    private final Tokenizer tokenizer;
    private byte[] pending = new byte[0];

    public StreamDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text that {@code token} completes; empty while a character is still unfinished. */
    public String next(int token) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(pending);
        tokenizer.appendBytes(token, bytes);
        byte[] all = bytes.toByteArray();
        int complete = completeLength(all);
        pending = Arrays.copyOfRange(all, complete, all.length);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** Whatever is still held back, its unfinished character written as U+FFFD; the decoder is then empty. */
    public String finish() {
        String rest = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }

    /** Length of the prefix of {@code bytes} that does not end inside a UTF-8 character. */
    private static int completeLength(byte[] bytes) {
        // Find the lead byte of the last character: at most three continuation bytes back.
        for (int i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i--) {
            int b = bytes[i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return bytes.length - i < needed ? i : bytes.length;
            }
        }
        return bytes.length; // only continuation bytes: invalid either way, let the decoder replace them
    }
}
