package computepool.shard.session;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.shard.LlamaCppFixture;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.config.ShardConfig;
import computepool.shard.engine.KvCache;
import computepool.shard.engine.Logits;
import computepool.shard.engine.ShardEngine;
import computepool.shard.engine.Tokens;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.PromptChunk;
import computepool.shard.v1.SessionSummary;
import computepool.shard.v1.StreamSessionRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole model on this worker, driven over gRPC by the pipeline client. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class SessionOverGrpcTest {

    private static final SamplingParams GREEDY = SamplingParams.newBuilder().setGreedy(true).setTopLogprobs(5).build();

    @TestHTTPResource("/")
    URL url;

    @Inject
    ShardEngine engine;

    @Inject
    KvSessions sessions;

    @Inject
    ShardConfig config;

    private ShardChannels channels;
    private PipelineClient client;

    @BeforeEach
    void connect() {
        channels = new ShardChannels();
        client = new PipelineClient(channels, TestTickets.signer());
    }

    @AfterEach
    void disconnect() {
        channels.close();
    }

    private PipelineClient.Request request(int[] prompt, int maxTokens, SamplingParams sampling) {
        Hop self = Hop.newBuilder().setWorkerId(config.workerId()).setAddress("127.0.0.1:" + url.getPort())
                .setLayerStart(0).setLayerEnd(30).build();
        return new PipelineClient.Request("test", "smollm2-135m-instruct", 30, List.of(self), prompt, maxTokens,
                sampling);
    }

    @Test
    void streamsTheEnginesGreedyTokensWithTheirLogprobs() throws Exception {
        int[] prompt = LlamaCppFixture.ints(LlamaCppFixture.list("generations").get(3).get("prompt_tokens"));
        PipelineClient.Result result = client.generate(request(prompt, 12, GREEDY), 60, TimeUnit.SECONDS);

        int eos = 2;
        int[] expected = new int[12];
        float[] expectedLogprob = new float[12];
        int count = 0;
        try (KvCache cache = engine.newCache(prompt.length + 12)) {
            Logits logits = (Logits) engine.step(cache, new Tokens(prompt));
            while (count < 12) {
                expected[count] = logits.argmax();
                expectedLogprob[count] = logSoftmaxAt(logits.values(), expected[count]);
                if (expected[count++] == eos || count == 12) {
                    break;
                }
                logits = (Logits) engine.step(cache, new Tokens(new int[] {expected[count - 1]}));
            }
        }
        assertArrayEquals(java.util.Arrays.copyOf(expected, count), result.tokenIds());
        FinishReason finish = expected[count - 1] == eos ? FinishReason.FINISH_REASON_STOP
                : FinishReason.FINISH_REASON_LENGTH;
        for (int i = 0; i < count; i++) {
            GeneratedToken token = result.tokens().get(i);
            assertEquals(prompt.length + i, token.getPosition());
            assertEquals(expectedLogprob[i], token.getLogprob(), 1e-4);
            assertEquals(5, token.getTopLogprobsCount());
            assertEquals(token.getTokenId(), token.getTopLogprobs(0).getTokenId());
        }
        assertEquals(finish, result.tokens().get(count - 1).getFinishReason());
        SessionSummary summary = result.summary();
        assertEquals(finish, summary.getFinishReason());
        assertEquals(prompt.length, summary.getPromptTokens());
        assertEquals(count, summary.getCompletionTokens());
        assertEquals(1, summary.getShardsCount());
        assertTrue(summary.getShards(0).getServedMillis() > 0);
        awaitNoSessions();
    }

    @Test
    void aStopSequenceEndsTheSessionBeforeItsText() throws Exception {
        int[] prompt = LlamaCppFixture.ints(LlamaCppFixture.list("generations").get(0).get("prompt_tokens"));
        String full = client.generate(request(prompt, 16, GREEDY), 60, TimeUnit.SECONDS).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        PipelineClient.Result stopped = client.generate(request(prompt, 16,
                GREEDY.toBuilder().addStop(stop).build()), 60, TimeUnit.SECONDS);
        assertEquals(FinishReason.FINISH_REASON_STOP_SEQUENCE, stopped.summary().getFinishReason());
        assertEquals(full.substring(0, full.indexOf(stop)), stopped.text());
    }

    @Test
    void refusesBadSessionsNamingTheField() {
        int[] prompt = {1, 9690, 198};
        assertStatus(Status.Code.INVALID_ARGUMENT, "prompt_tokens must be positive",
                request(new int[0], 4, GREEDY));
        assertStatus(Status.Code.INVALID_ARGUMENT, "leaves no room in the context",
                request(new int[8192], 4, GREEDY));
        assertStatus(Status.Code.INVALID_ARGUMENT, "max_tokens must be positive", request(prompt, 0, GREEDY));
        assertStatus(Status.Code.INVALID_ARGUMENT, "temperature must be > 0",
                request(prompt, 4, SamplingParams.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "outside the vocabulary", request(new int[] {49_152}, 4, GREEDY));
        PipelineClient.Request wrongModel = request(prompt, 4, GREEDY);
        assertStatus(Status.Code.INVALID_ARGUMENT, "is not served here", new PipelineClient.Request("test",
                "llama-70b", 30, wrongModel.hops(), prompt, 4, GREEDY));
        Hop half = wrongModel.hops().get(0).toBuilder().setLayerEnd(15).build();
        assertStatus(Status.Code.INVALID_ARGUMENT, "this worker serves [0, 30)", new PipelineClient.Request("test",
                "smollm2-135m-instruct", 30, List.of(half, half.toBuilder().setLayerStart(15).setLayerEnd(30).build()),
                prompt, 4, GREEDY));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, "does not fit", request(prompt, 5_000, GREEDY));
        awaitNoSessions();
    }

    @Test
    void aClientThatGoesAwayFreesTheSession() throws Exception {
        int[] prompt = LlamaCppFixture.ints(LlamaCppFixture.list("generations").get(1).get("prompt_tokens"));
        CountDownLatch firstToken = new CountDownLatch(1);
        PipelineClient.Generation generation = client.start(request(prompt, 2_000, GREEDY),
                new PipelineClient.Listener() {
                    @Override
                    public void token(GeneratedToken token) {
                        firstToken.countDown();
                    }

                    @Override
                    public void finished(SessionSummary summary) {
                    }

                    @Override
                    public void failed(Status status) {
                    }
                });
        assertTrue(firstToken.await(30, TimeUnit.SECONDS));
        assertEquals(1, sessions.activeCount());
        generation.cancel();
        awaitNoSessions();
        given().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString("kv_sessions_active 0.0"));
    }

    @Test
    void ignoreEosRunsOnToMaxTokens() throws Exception {
        int[] prompt = LlamaCppFixture.ints(LlamaCppFixture.list("generations").get(3).get("prompt_tokens"));
        PipelineClient.Result stopped = client.generate(request(prompt, 16, GREEDY), 60, TimeUnit.SECONDS);
        assertEquals(FinishReason.FINISH_REASON_STOP, stopped.summary().getFinishReason(),
                "this prompt's greedy answer ends before 16 tokens");
        PipelineClient.Result onward = client.generate(request(prompt, 16,
                GREEDY.toBuilder().setIgnoreEos(true).build()), 60, TimeUnit.SECONDS);
        assertEquals(FinishReason.FINISH_REASON_LENGTH, onward.summary().getFinishReason());
        assertEquals(16, onward.tokens().size());
        assertArrayEquals(stopped.tokenIds(), java.util.Arrays.copyOf(onward.tokenIds(), stopped.tokens().size()));
    }

    @Test
    void concurrentSessionsKeepTheirOwnCaches() throws Exception {
        List<int[]> prompts = LlamaCppFixture.list("generations").stream()
                .map(generation -> LlamaCppFixture.ints(generation.get("prompt_tokens"))).limit(4).toList();
        List<int[]> alone = new java.util.ArrayList<>();
        for (int[] prompt : prompts) {
            alone.add(client.generate(request(prompt, 8, GREEDY), 60, TimeUnit.SECONDS).tokenIds());
        }
        List<java.util.concurrent.CompletableFuture<PipelineClient.Result>> together = prompts.stream()
                .map(prompt -> java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return client.generate(request(prompt, 8, GREEDY), 60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })).toList();
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(alone.get(i), together.get(i).get().tokenIds(), "prompt " + i);
        }
        awaitNoSessions();
    }

    @Test
    void oneSessionMoreThanTheWorkerHoldsIsRefused() throws Exception {
        int[] prompt = {1, 9690, 198};
        List<PipelineClient.Generation> held = new java.util.ArrayList<>();
        CountDownLatch running = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            held.add(client.start(request(prompt, 500, GREEDY), new PipelineClient.Listener() {
                private boolean first = true;

                @Override
                public void token(GeneratedToken token) {
                    if (first) {
                        first = false;
                        running.countDown();
                    }
                }

                @Override
                public void finished(SessionSummary summary) {
                }

                @Override
                public void failed(Status status) {
                }
            }));
        }
        try {
            assertTrue(running.await(30, TimeUnit.SECONDS));
            assertStatus(Status.Code.RESOURCE_EXHAUSTED, "maximum of 4 sessions", request(prompt, 4, GREEDY));
        } finally {
            held.forEach(PipelineClient.Generation::cancel);
        }
        awaitNoSessions();
        assertEquals(4, client.generate(request(prompt, 4, GREEDY), 30, TimeUnit.SECONDS).tokens().size(),
                "the freed capacity serves again");
    }

    @Test
    void framesForAnotherSessionAreNotFound() throws Exception {
        RawStream stream = RawStream.open(channels, url.getPort());
        stream.send(StreamSessionRequest.newBuilder().setOpen(openFrame("session-a-" + System.nanoTime())).build());
        stream.send(StreamSessionRequest.newBuilder().setPrompt(PromptChunk.newBuilder()
                .setSessionId("session-b").addTokenIds(1).setLastChunk(true)).build());
        Status status = stream.awaitError();
        assertEquals(Status.Code.NOT_FOUND, status.getCode());
        assertTrue(status.getDescription().contains("'session-b', which is not open on this stream"),
                status.getDescription());
        awaitNoSessions();
    }

    @Test
    void aSessionThatReceivesNothingExpiresAndFreesItsCache() throws Exception {
        RawStream stream = RawStream.open(channels, url.getPort());
        stream.send(StreamSessionRequest.newBuilder().setOpen(openFrame("idle-" + System.nanoTime())).build());
        long opened = System.nanoTime();
        Status status = stream.awaitError();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode());
        assertTrue(status.getDescription().contains("received nothing for PT2S"), status.getDescription());
        assertTrue(waited >= 2_000 && waited < 5_000, "expired after " + waited + " ms");
        awaitNoSessions();
    }

    /** An OpenSession for this worker alone, with its ticket. */
    private OpenSession openFrame(String sessionId) {
        Hop self = Hop.newBuilder().setWorkerId(config.workerId()).setAddress("127.0.0.1:" + url.getPort())
                .setLayerStart(0).setLayerEnd(30).build();
        return OpenSession.newBuilder().setSessionId(sessionId).setModelId("smollm2-135m-instruct")
                .setLayerStart(0).setLayerEnd(30).setTotalLayers(30).setPromptTokens(1).setMaxTokens(4)
                .setSampling(GREEDY)
                .setTicket(TestTickets.signer().sign(sessionId, "", "smollm2-135m-instruct", 30, List.of(self), 4, 1))
                .build();
    }

    private void assertStatus(Status.Code code, String message, PipelineClient.Request request) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.generate(request, 30, TimeUnit.SECONDS));
        assertEquals(code, e.getStatus().getCode(), e.getMessage());
        assertTrue(e.getStatus().getDescription().contains(message),
                "\"" + e.getStatus().getDescription() + "\" lacks \"" + message + "\"");
    }

    private void awaitNoSessions() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (sessions.activeCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, sessions.activeCount(), "sessions still hold KV caches 2 s after they ended");
    }

    private static float logSoftmaxAt(float[] logits, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (float value : logits) {
            max = Math.max(max, value);
        }
        double sum = 0;
        for (float value : logits) {
            sum += Math.exp(value - max);
        }
        return (float) (logits[index] - max - Math.log(sum));
    }
}
