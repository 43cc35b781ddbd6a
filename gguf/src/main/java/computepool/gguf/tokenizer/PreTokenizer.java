package computepool.gguf.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words BPE merges within, with the regexes llama.cpp
 * ({@code llama-vocab.cpp}) uses for a GGUF's {@code tokenizer.ggml.pre}. As in llama.cpp the
 * regexes apply in turn, each to every piece the one before produced, and the text between
 * matches stays a piece of its own.
 */
final class PreTokenizer {

    // GPT-2's pattern. llama.cpp's own implementation of it ends with a plain \s+ as a last
    // alternative, which only matters for text the others leave over.
    private static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** The {@code tokenizer.ggml.pre} names llama.cpp treats as "each digit alone, then GPT-2". */
    private static final Set<String> DIGITS_THEN_GPT2 =
            Set.of("smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2");

    private final List<Pattern> patterns;

    private PreTokenizer(List<String> regexes) {
        // UNICODE_CHARACTER_CLASS makes \s the Unicode White_Space set, which llama.cpp's is.
        this.patterns = regexes.stream().map(regex -> Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }

    static PreTokenizer forName(String pre) {
        if (DIGITS_THEN_GPT2.contains(pre)) {
            return new PreTokenizer(List.of("\\p{N}", GPT2));
        }
        if (pre.equals("gpt-2")) {
            return new PreTokenizer(List.of(GPT2));
        }
        throw new IllegalArgumentException("tokenizer.ggml.pre '" + pre + "' is not supported (supported: "
                + DIGITS_THEN_GPT2 + " and gpt-2)");
    }

    List<String> split(String text) {
        List<String> pieces = List.of(text);
        for (Pattern pattern : patterns) {
            List<String> next = new ArrayList<>();
            for (String piece : pieces) {
                splitOne(pattern, piece, next);
            }
            pieces = next;
        }
        return pieces;
    }

    private static void splitOne(Pattern pattern, String piece, List<String> out) {
        Matcher matcher = pattern.matcher(piece);
        int start = 0;
        while (matcher.find()) {
            if (matcher.start() > start) {
                out.add(piece.substring(start, matcher.start()));
            }
            out.add(matcher.group());
            start = matcher.end();
        }
        if (start < piece.length()) {
            out.add(piece.substring(start));
        }
    }
}
