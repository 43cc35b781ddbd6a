package computepool.gguf.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts the special tokens out of a text before BPE sees it, the way llama.cpp's
 * {@code tokenizer_st_partition} does: special tokens are tried longest first, each cutting every
 * piece of raw text still left, so a token is matched whole and never merged with its neighbours.
 */
final class SpecialTokens {

    /** A piece of the partitioned text: raw text for BPE, or an already-known token id. */
    record Fragment(String text, int token) {
        static final int RAW = -1;

        boolean raw() {
            return token == RAW;
        }
    }

    private record Special(int id, String text, boolean control) {
    }

    private final List<Special> specials;

    private SpecialTokens(List<Special> specials) {
        this.specials = specials;
    }

    /**
     * The special tokens of a vocabulary: those of GGUF token type unknown or control (cut only
     * when asked to parse special tokens) and user-defined (always cut), longest first as llama.cpp
     * orders them by their UTF-8 length; the sort is stable, so equal lengths keep id order.
     */
    static SpecialTokens of(List<String> tokens, int[] types) {
        List<Special> specials = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            TokenType type = TokenType.of(types[id]);
            if (type.special() && !tokens.get(id).isEmpty()) {
                specials.add(new Special(id, tokens.get(id), type != TokenType.USER_DEFINED));
            }
        }
        specials.sort(Comparator.comparingInt((Special s) -> s.text().getBytes(StandardCharsets.UTF_8).length)
                .reversed());
        return new SpecialTokens(List.copyOf(specials));
    }

    List<Fragment> partition(String text, boolean parseControl) {
        List<Fragment> fragments = new ArrayList<>(List.of(new Fragment(text, Fragment.RAW)));
        for (Special special : specials) {
            if (special.control() && !parseControl) {
                continue;
            }
            List<Fragment> next = new ArrayList<>();
            for (Fragment fragment : fragments) {
                if (fragment.raw()) {
                    cut(fragment.text(), special, next);
                } else {
                    next.add(fragment);
                }
            }
            fragments = next;
        }
        return fragments;
    }

    private static void cut(String raw, Special special, List<Fragment> out) {
        int start = 0;
        for (int match = raw.indexOf(special.text()); match >= 0; match = raw.indexOf(special.text(), start)) {
            if (match > start) {
                out.add(new Fragment(raw.substring(start, match), Fragment.RAW));
            }
            out.add(new Fragment(special.text(), special.id()));
            start = match + special.text().length();
        }
        if (start < raw.length()) {
            out.add(new Fragment(raw.substring(start), Fragment.RAW));
        }
    }
}
