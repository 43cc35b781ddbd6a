package computepool.journeys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.v1.DType;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.HiddenStates;
import computepool.shard.v1.Hop;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionSummary;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.TokenLogprob;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SmolLM2 split over one, two and three shard-worker processes on loopback: hidden states cross
 * process boundaries over gRPC, and the tokens and logprobs that come back do not depend on the split.
 */
class ShardedInferenceIT {

    private static final int MAX_TOKENS = 16;
    private static final double TOLERANCE = 1e-4;
    private static final SamplingParams GREEDY = SamplingParams.newBuilder().setGreedy(true).setTopLogprobs(20).build();
    private static final SamplingParams SEEDED = SamplingParams.newBuilder().setTemperature(0.9f).setTopK(40)
            .setTopP(0.95f).setSeed(7).setTopLogprobs(20).build();

    private static JourneyStack stack;
    private static List<int[]> prompts;
    private static ShardPipeline threeShards;

    @BeforeAll
    static void startThreeShards() throws Exception {
        stack = JourneyStack.fromEnvFile();
        prompts = ShardPipeline.fixturePrompts();
        threeShards = ShardPipeline.start(stack, 10, 20, 30);
    }

    @AfterAll
    static void stopThreeShards() throws Exception {
        if (threeShards != null) {
            threeShards.close();
        }
    }

    @Test
    void twoAndThreeShardsGenerateWhatOneShardDoes() throws Exception {
        List<PipelineClient.Result> whole;
        try (ShardPipeline one = ShardPipeline.start(stack, 30)) {
            whole = generateAll(one);
        }
        List<PipelineClient.Result> halves;
        try (ShardPipeline two = ShardPipeline.start(stack, 15, 30)) {
            halves = generateAll(two);
        }
        List<PipelineClient.Result> thirds = generateAll(threeShards);

        double twoShardError = maxLogprobDifference(whole, halves, "2 shards");
        double threeShardError = maxLogprobDifference(whole, thirds, "3 shards");
        System.out.printf("%d greedy and 1 seeded generation of %d tokens: max |logprob difference| vs 1 shard:"
                + " 2 shards %.2e, 3 shards %.2e%n", prompts.size(), MAX_TOKENS, twoShardError, threeShardError);
        for (PipelineClient.Result result : thirds) {
            assertEquals(3, result.summary().getShardsCount(), "each shard reports what it served");
            assertTrue(result.summary().getShardsList().stream().allMatch(shard -> shard.getServedMillis() > 0));
        }
    }

    @Test
    void aClientThatDisconnectsMidGenerationFreesTheSessionOnEveryWorker() throws Exception {
        CountDownLatch tokens = new CountDownLatch(3);
        ShardChannels channels = new ShardChannels();
        new PipelineClient(channels, stack.ticketSigner()).start(threeShards.request(prompts.get(0), 4_000, GREEDY),
                new PipelineClient.Listener() {
                    @Override
                    public void token(GeneratedToken token) {
                        tokens.countDown();
                    }

                    @Override
                    public void finished(SessionSummary summary) {
                    }

                    @Override
                    public void failed(Status status) {
                    }
                });
        assertTrue(tokens.await(60, TimeUnit.SECONDS), "no tokens streamed");
        for (ServiceProcess worker : threeShards.workers()) {
            assertEquals(1, ShardPipeline.activeSessions(worker), "worker on port " + worker.port()
                    + " holds the session");
        }

        long disconnected = System.nanoTime();
        channels.close();
        for (ServiceProcess worker : threeShards.workers()) {
            awaitNoSessions(worker, disconnected);
        }
        System.out.printf("every worker freed the session %d ms after the client disconnected%n",
                (System.nanoTime() - disconnected) / 1_000_000);
    }

    @Test
    void aMalformedTensorAtAMiddleShardIsRefusedAndTheWorkersServeOn() throws Exception {
        Hop middle = threeShards.hops().get(1);
        OpenSession open = OpenSession.newBuilder().setSessionId("malformed-" + stack.runId()).setModelId(ShardPipeline.MODEL)
                .setLayerStart(middle.getLayerStart()).setLayerEnd(middle.getLayerEnd()).setTotalLayers(ShardPipeline.LAYERS)
                .addDownstream(threeShards.hops().get(2)).setPromptTokens(3).setMaxTokens(4).setSampling(GREEDY)
                .setTicket(stack.ticketSigner().sign("malformed-" + stack.runId(), "", ShardPipeline.MODEL,
                        ShardPipeline.LAYERS, threeShards.hops(), 4, 3))
                .build();
        HiddenStates wrongShape = HiddenStates.newBuilder().setSessionId(open.getSessionId()).setTokenCount(3)
                .setHiddenSize(576).setDtype(DType.DTYPE_FP32).setData(ByteString.copyFrom(new byte[2 * 576 * 4]))
                .setLastChunk(true).build();
        long refused;
        try (ShardChannels channels = new ShardChannels()) {
            Status status = RawSession.run(channels, middle.getAddress(), List.of(
                    StreamSessionRequest.newBuilder().setOpen(open).build(),
                    StreamSessionRequest.newBuilder().setHiddenStates(wrongShape).build()));
            refused = System.nanoTime();
            assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
            assertTrue(status.getDescription().contains("hidden_states.data holds 4608 bytes; 3 tokens of 576 fp32"
                    + " values take 6912"), status.getDescription());
        }
        for (ServiceProcess worker : threeShards.workers()) {
            assertTrue(worker.isAlive());
            awaitNoSessions(worker, refused);
        }
        try (ShardChannels channels = new ShardChannels()) {
            assertEquals(4, new PipelineClient(channels, stack.ticketSigner()).generate(threeShards.request(prompts.get(2), 4, GREEDY), 60,
                    TimeUnit.SECONDS).tokens().size(), "the pipeline serves on");
        }
    }

    /** Waits until the worker holds no session, at most 2 s after {@code since} (a System.nanoTime()). */
    private static void awaitNoSessions(ServiceProcess worker, long since) throws Exception {
        long deadline = since + TimeUnit.SECONDS.toNanos(2);
        while (ShardPipeline.activeSessions(worker) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, ShardPipeline.activeSessions(worker), "worker on port " + worker.port() + " still holds a KV cache "
                + (System.nanoTime() - since) / 1_000_000 + " ms later");
    }

    /**
     * Asserts the same tokens and, for every token both runs list among the top 20 at a
     * position, the same logprob within {@link #TOLERANCE}; returns the largest difference seen.
     */
    private static double maxLogprobDifference(List<PipelineClient.Result> expected, List<PipelineClient.Result> actual,
            String split) {
        double worst = 0;
        for (int p = 0; p < expected.size(); p++) {
            assertArrayEquals(expected.get(p).tokenIds(), actual.get(p).tokenIds(), split + ", prompt " + p);
            assertEquals(expected.get(p).text(), actual.get(p).text(), split + ", prompt " + p);
            for (int i = 0; i < expected.get(p).tokens().size(); i++) {
                GeneratedToken want = expected.get(p).tokens().get(i);
                GeneratedToken got = actual.get(p).tokens().get(i);
                worst = Math.max(worst, Math.abs(want.getLogprob() - got.getLogprob()));
                Map<Integer, Float> gotTop = new HashMap<>();
                got.getTopLogprobsList().forEach(t -> gotTop.put(t.getTokenId(), t.getLogprob()));
                int shared = 0;
                for (TokenLogprob top : want.getTopLogprobsList()) {
                    Float other = gotTop.get(top.getTokenId());
                    if (other != null) {
                        shared++;
                        worst = Math.max(worst, Math.abs(top.getLogprob() - other));
                    }
                }
                assertTrue(shared >= 15, split + ", prompt " + p + ", token " + i + ": only " + shared
                        + " of the top 20 agree");
                assertTrue(worst <= TOLERANCE, split + ", prompt " + p + ", token " + i + ": logprobs differ by "
                        + worst);
            }
        }
        return worst;
    }

    /** Each fixture prompt greedily, then the first one sampled with a fixed seed. */
    private static List<PipelineClient.Result> generateAll(ShardPipeline pipeline) throws Exception {
        List<PipelineClient.Result> results = new ArrayList<>();
        try (ShardChannels channels = new ShardChannels()) {
            PipelineClient client = new PipelineClient(channels, stack.ticketSigner());
            for (int[] prompt : prompts) {
                PipelineClient.Result result = client.generate(pipeline.request(prompt, MAX_TOKENS, GREEDY), 120,
                        TimeUnit.SECONDS);
                assertTrue(result.summary().getFinishReason() == FinishReason.FINISH_REASON_LENGTH
                        || result.summary().getFinishReason() == FinishReason.FINISH_REASON_STOP);
                results.add(result);
            }
            results.add(client.generate(pipeline.request(prompts.get(0), MAX_TOKENS, SEEDED), 120, TimeUnit.SECONDS));
        }
        return results;
    }
}
