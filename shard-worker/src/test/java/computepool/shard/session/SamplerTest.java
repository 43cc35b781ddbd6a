package computepool.shard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.TokenLogprob;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    /** Probabilities 0.5, 0.3, 0.15, 0.05 as logits (log p; softmax undoes the log). */
    private static final double[] P = {0.5, 0.3, 0.15, 0.05};
    private static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15),
            (float) Math.log(0.05)};
    private static final int DRAWS = 20_000;

    @Test
    void greedyTakesTheLikeliestTokenAndReportsItsLogprob() {
        float[] logits = {0.1f, 2.5f, -1f, 2.4f};
        Sampler.Choice choice = new Sampler(SamplingParams.newBuilder().setGreedy(true).setTopLogprobs(3).build())
                .next(logits);
        assertEquals(1, choice.token());
        double logSum = Math.log(IntStream.range(0, 4).mapToDouble(i -> Math.exp(logits[i])).sum());
        assertEquals(2.5 - logSum, choice.logprob(), 1e-6);
        assertEquals(3, choice.top().size());
        assertEquals(1, choice.top().get(0).getTokenId());
        assertEquals(3, choice.top().get(1).getTokenId());
        assertEquals(0, choice.top().get(2).getTokenId());
        assertEquals(2.4 - logSum, choice.top().get(1).getLogprob(), 1e-6);
    }

    @Test
    void drawsFollowTheModelsDistribution() {
        double[] seen = frequencies(sampling(1.0f, 0, 0, 7));
        for (int i = 0; i < P.length; i++) {
            assertWithinSampling(P[i], seen[i], "token " + i);
        }
    }

    @Test
    void temperatureSharpensTheDistribution() {
        double[] seen = frequencies(sampling(0.5f, 0, 0, 11));
        double norm = Arrays.stream(P).map(p -> p * p).sum();
        for (int i = 0; i < P.length; i++) {
            assertWithinSampling(P[i] * P[i] / norm, seen[i], "token " + i + " at temperature 0.5");
        }
    }

    @Test
    void topKKeepsOnlyTheKLikeliest() {
        double[] seen = frequencies(sampling(1.0f, 2, 0, 13));
        assertEquals(0, seen[2] + seen[3]);
        assertWithinSampling(0.5 / 0.8, seen[0], "token 0 of the top 2");
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // 0.5 < 0.7, 0.5 + 0.3 >= 0.7: the nucleus is tokens 0 and 1
        double[] seen = frequencies(sampling(1.0f, 0, 0.7f, 17));
        assertEquals(0, seen[2] + seen[3]);
        assertWithinSampling(0.3 / 0.8, seen[1], "token 1 of the nucleus");
    }

    @Test
    void aSeedFixesTheDraws() {
        SamplingParams seeded = sampling(1.0f, 0, 0.95f, 42);
        assertEquals(Arrays.toString(draws(seeded, 200)), Arrays.toString(draws(seeded, 200)));
        assertNotEquals(Arrays.toString(draws(seeded, 200)),
                Arrays.toString(draws(seeded.toBuilder().setSeed(43).build(), 200)));
    }

    @Test
    void logprobsAreTheModelsWhateverTheCuts() {
        Sampler.Choice choice = new Sampler(sampling(0.3f, 1, 0.5f, 1).toBuilder().setTopLogprobs(4).build())
                .next(LOGITS);
        assertEquals(0, choice.token());
        assertEquals(Math.log(0.5), choice.logprob(), 1e-6);
        double[] reported = choice.top().stream().mapToDouble(TokenLogprob::getLogprob).toArray();
        for (int i = 0; i < P.length; i++) {
            assertEquals(Math.log(P[i]), reported[i], 1e-6);
        }
    }

    @Test
    void namesTheFirstBadParameter() {
        assertNull(Sampler.problem(SamplingParams.newBuilder().setGreedy(true).build()));
        assertTrue(Sampler.problem(SamplingParams.newBuilder().setTemperature(0).build())
                .startsWith("sampling.temperature must be > 0"));
        assertTrue(Sampler.problem(SamplingParams.newBuilder().setTemperature(Float.NaN).build())
                .startsWith("sampling.temperature"));
        assertTrue(Sampler.problem(sampling(1, -1, 0, 1)).startsWith("sampling.top_k must not be negative"));
        assertTrue(Sampler.problem(sampling(1, 0, 1.5f, 1)).startsWith("sampling.top_p must lie in [0, 1]"));
        assertTrue(Sampler.problem(sampling(1, 0, 0, 1).toBuilder().setTopLogprobs(21).build())
                .startsWith("sampling.top_logprobs must lie in [0, 20]"));
    }

    private static SamplingParams sampling(float temperature, int topK, float topP, long seed) {
        return SamplingParams.newBuilder().setTemperature(temperature).setTopK(topK).setTopP(topP).setSeed(seed).build();
    }

    private static int[] draws(SamplingParams params, int count) {
        Sampler sampler = new Sampler(params);
        return IntStream.range(0, count).map(i -> sampler.next(LOGITS).token()).toArray();
    }

    private static double[] frequencies(SamplingParams params) {
        double[] seen = new double[P.length];
        for (int token : draws(params, DRAWS)) {
            seen[token] += 1.0 / DRAWS;
        }
        return seen;
    }

    /** Five standard errors of a binomial frequency: a correct sampler fails this about once in 3 million runs. */
    private static void assertWithinSampling(double expected, double seen, String what) {
        double tolerance = 5 * Math.sqrt(expected * (1 - expected) / DRAWS);
        assertEquals(expected, seen, tolerance, what);
    }
}
