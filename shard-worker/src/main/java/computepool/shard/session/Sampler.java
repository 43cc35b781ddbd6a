package computepool.shard.session;

import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.TokenLogprob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Picks the next token from the exit shard's logits: greedy, or temperature → top-k → top-p →
 * a draw from a random stream fixed by the session's seed. Logprobs are reported from the
 * model's own distribution, before temperature and cuts, as OpenAI reports them.
 */
final class Sampler {

    static final int MAX_TOP_LOGPROBS = 20;

    record Choice(int token, float logprob, List<TokenLogprob> top) {
    }

    private final SamplingParams params;
    private final SplittableRandom random;

    Sampler(SamplingParams params) {
        this.params = params;
        this.random = params.hasSeed() ? new SplittableRandom(params.getSeed()) : new SplittableRandom();
    }

    /** Names the first invalid parameter, or returns null when all are valid. */
    static String problem(SamplingParams params) {
        if (!params.getGreedy() && !(params.getTemperature() > 0)) {
            return "sampling.temperature must be > 0 unless sampling.greedy, is " + params.getTemperature();
        }
        if (params.getTopK() < 0) {
            return "sampling.top_k must not be negative, is " + params.getTopK();
        }
        if (!(params.getTopP() >= 0 && params.getTopP() <= 1)) {
            return "sampling.top_p must lie in [0, 1], is " + params.getTopP();
        }
        if (params.getTopLogprobs() < 0 || params.getTopLogprobs() > MAX_TOP_LOGPROBS) {
            return "sampling.top_logprobs must lie in [0, " + MAX_TOP_LOGPROBS + "], is " + params.getTopLogprobs();
        }
        return null;
    }

    Choice next(float[] logits) {
        double[] logprobs = logSoftmax(logits, 1);
        int token = params.getGreedy() ? argmax(logits) : draw(logits);
        List<TokenLogprob> top = new ArrayList<>();
        if (params.getTopLogprobs() > 0) {
            for (int id : topIndices(logprobs, params.getTopLogprobs())) {
                top.add(TokenLogprob.newBuilder().setTokenId(id).setLogprob((float) logprobs[id]).build());
            }
        }
        return new Choice(token, (float) logprobs[token], top);
    }

    private int draw(float[] logits) {
        double[] probabilities = logSoftmax(logits, params.getTemperature());
        int keep = params.getTopK() > 0 ? Math.min(params.getTopK(), logits.length) : logits.length;
        double topP = params.getTopP() == 0 ? 1 : params.getTopP();
        if (keep == logits.length && topP >= 1) {
            return drawFromAll(probabilities);
        }
        int[] order = topIndices(probabilities, keep);
        double mass = 0;
        int cut = 0;
        double[] weights = new double[order.length];
        while (cut < order.length && (cut == 0 || mass < topP)) {
            weights[cut] = Math.exp(probabilities[order[cut]]);
            mass += weights[cut];
            cut++;
        }
        double target = random.nextDouble() * mass;
        for (int i = 0; i < cut; i++) {
            target -= weights[i];
            if (target < 0) {
                return order[i];
            }
        }
        return order[cut - 1];
    }

    /** No cut: one pass over the vocabulary instead of sorting it. */
    private int drawFromAll(double[] logprobs) {
        double target = random.nextDouble();
        for (int i = 0; i < logprobs.length; i++) {
            target -= Math.exp(logprobs[i]);
            if (target < 0) {
                return i;
            }
        }
        return argmax(logprobs);
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Indices of the {@code count} largest values, largest first, lower index first on ties. */
    private static int[] topIndices(double[] values, int count) {
        if (count >= values.length) {
            Integer[] all = new Integer[values.length];
            Arrays.setAll(all, i -> i);
            Arrays.sort(all, (a, b) -> values[a] != values[b] ? Double.compare(values[b], values[a]) : a - b);
            return Arrays.stream(all).mapToInt(Integer::intValue).toArray();
        }
        int[] best = new int[count];
        int size = 0;
        for (int i = 0; i < values.length; i++) {
            if (size == count && values[i] <= values[best[size - 1]]) {
                continue;
            }
            int at = size < count ? size++ : size - 1;
            while (at > 0 && values[best[at - 1]] < values[i]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return best;
    }

    private static double[] logSoftmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float value : logits) {
            max = Math.max(max, value / temperature);
        }
        double sum = 0;
        for (float value : logits) {
            sum += Math.exp(value / temperature - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] / temperature - logSum;
        }
        return out;
    }
}
