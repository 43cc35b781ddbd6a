package computepool.gguf.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-pair merging within one pre-tokenized word: starting from its byte-level characters,
 * repeatedly merges the adjacent pair with the lowest merge rank, the leftmost on ties, as
 * llama.cpp's BPE session does.
 */
final class Bpe {

    private final Map<String, Integer> ranks;

    /** {@code merges} in rank order, each "left right" as GGUF's {@code tokenizer.ggml.merges} stores it. */
    Bpe(List<String> merges) {
        ranks = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            ranks.putIfAbsent(merges.get(rank), rank);
        }
    }

    /** The symbols {@code word} (already byte-level) merges into. */
    List<String> merge(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        word.codePoints().forEach(c -> symbols.add(Character.toString(c)));
        while (symbols.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        return symbols;
    }
}
