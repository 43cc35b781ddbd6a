package computepool.shard.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.shard.LlamaCppFixture;
import computepool.gguf.GgufFile;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Layer slices chained in one process: the same logits as the whole model, and bad input refused. */
class ShardedEngineTest {

    private static GgufFile gguf;
    private static ShardEngine whole;
    private static ShardEngine first;
    private static ShardEngine second;

    @BeforeAll
    static void load() throws Exception {
        gguf = TestEngines.gguf();
        whole = TestEngines.whole();
        first = ShardEngine.load(gguf, 0, 15, EngineOptions.cpu(0));
        second = ShardEngine.load(gguf, 15, 30, EngineOptions.cpu(0));
    }

    @AfterAll
    static void close() throws Exception {
        for (ShardEngine engine : new ShardEngine[] {first, second}) {
            if (engine != null) {
                engine.close();
            }
        }
    }

    @Test
    void fifteenAndFifteenGiveTheWholeModelsLogits() throws Exception {
        int[] prompt = LlamaCppFixture.ints(LlamaCppFixture.list("generations").get(2).get("prompt_tokens"));
        int[] next = {28, 1780, 314};
        List<float[]> unsharded = new ArrayList<>();
        try (KvCache cache = whole.newCache(prompt.length + next.length)) {
            unsharded.add(((Logits) whole.step(cache, new Tokens(prompt))).values());
            for (int token : next) {
                unsharded.add(((Logits) whole.step(cache, new Tokens(new int[] {token}))).values());
            }
        }
        try (KvCache head = first.newCache(prompt.length + next.length);
                KvCache tail = second.newCache(prompt.length + next.length)) {
            List<int[]> steps = new ArrayList<>(List.of(prompt));
            for (int token : next) {
                steps.add(new int[] {token});
            }
            for (int i = 0; i < steps.size(); i++) {
                HiddenStates hidden = assertInstanceOf(HiddenStates.class, first.step(head, new Tokens(steps.get(i))));
                assertEquals(steps.get(i).length, hidden.tokens());
                float[] logits = ((Logits) second.step(tail, hidden)).values();
                double difference = GreedyAgainstLlamaCppTest.maxAbsoluteDifference(unsharded.get(i), logits);
                assertTrue(difference < 1e-4, "step " + i + " differs by " + difference);
            }
        }
    }

    @Test
    void fourBitWeightsGiveTheLogitsOfFp32Weights() throws Exception {
        int[] prompt = LlamaCppFixture.ints(LlamaCppFixture.list("generations").get(1).get("prompt_tokens"));
        float[] fourBit;
        try (KvCache cache = whole.newCache(prompt.length)) {
            fourBit = ((Logits) whole.step(cache, new Tokens(prompt))).values();
        }
        try (ShardEngine fp32 = ShardEngine.load(gguf, 0, 30, EngineOptions.cpu(0).with(WeightFormat.FP32));
                KvCache cache = fp32.newCache(prompt.length)) {
            double difference = GreedyAgainstLlamaCppTest.maxAbsoluteDifference(fourBit,
                    ((Logits) fp32.step(cache, new Tokens(prompt))).values());
            assertTrue(difference < 1e-3, "4-bit and fp32 weights differ by " + difference);
        }
    }

    @Test
    void refusesInputThatDoesNotFitTheShard() throws Exception {
        int hidden = whole.spec().hiddenSize();
        try (KvCache head = first.newCache(4); KvCache tail = second.newCache(4)) {
            assertMessage("take token ids", () -> first.step(head, new HiddenStates(FloatBuffer.allocate(hidden), 1)));
            assertMessage("take hidden states", () -> second.step(tail, new Tokens(new int[] {1})));
            assertMessage("do not match 2 tokens",
                    () -> second.step(tail, new HiddenStates(FloatBuffer.allocate(hidden + 1), 2)));
            assertMessage("outside the vocabulary", () -> first.step(head, new Tokens(new int[] {49_152})));
            assertMessage("at least one token", () -> first.step(head, new Tokens(new int[0])));
            assertMessage("exceeds the session's 4 remaining",
                    () -> first.step(head, new Tokens(new int[] {1, 2, 3, 4, 5})));
            assertMessage("holds layers [15, 30)", () -> first.step(tail, new Tokens(new int[] {1})));
            assertEquals(0, head.length(), "refused steps must not advance the cache");
            first.step(head, new Tokens(new int[] {1, 2}));
            assertEquals(2, head.length());
        }
        KvCache freed = first.newCache(2);
        freed.close();
        assertMessage("already freed", () -> first.step(freed, new Tokens(new int[] {1})));
    }

    @Test
    void refusesRangesOutsideTheModel() {
        assertMessage("outside the model's 30 layers", () -> ShardEngine.load(gguf, 20, 31, EngineOptions.cpu(0)));
        assertMessage("empty or negative", () -> ShardEngine.load(gguf, 10, 10, EngineOptions.cpu(0)));
        assertMessage("context length", () -> whole.newCache(8193));
    }

    @Test
    void readsTheModelsShapeFromTheGguf() {
        ModelSpec spec = ModelSpec.from(gguf);
        assertEquals(List.of(30, 576, 9, 3, 1536, 8192, 49152, 64, 192), List.of(spec.layerCount(),
                spec.hiddenSize(), spec.headCount(), spec.kvHeadCount(), spec.feedForwardSize(),
                spec.contextLength(), spec.vocabularySize(), spec.headSize(), spec.kvSize()));
        assertEquals(1e-5, spec.rmsNormEpsilon(), 1e-12);
        assertEquals(100_000, spec.ropeFreqBase());
        assertTrue(spec.tiedEmbeddings());
    }

    @Test
    void refusesModelShapesItWouldComputeWrongly() {
        assertMessage("head size 40 is not a multiple of 16",
                () -> new ModelSpec(2, 360, 9, 3, 64, 128, 100, 1e-5, 10_000, true));
        assertMessage("not a multiple of the KV head count",
                () -> new ModelSpec(2, 512, 8, 3, 64, 128, 100, 1e-5, 10_000, true));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call);
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }
}
