package computepool.journeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.bench.BenchmarkReport;
import computepool.localstack.bench.BenchmarkSize;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionSummary;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Speed of sharded inference over worker processes on this machine, every ratio against a
 * baseline measured in the same run: decode speed and time to first token for 1, 2 and 3 shards,
 * the latency each hop adds, decode at context 1,024 against 16, 8 concurrent sessions against
 * one, the other weight formats against the default, and llama.cpp on the same GGUF when
 * {@code shard-worker/scripts/bench_llamacpp.py} can run. At smoke size: 1 and 2 shards, short runs, no other
 * formats and no llama.cpp. It asserts only that every run produced its tokens; the numbers are printed and written
 * to {@code target/benchmarks/ShardedInferenceBenchmarkIT.txt}.
 */
class ShardedInferenceBenchmarkIT {

    private static final SamplingParams FIXED_LENGTH = SamplingParams.newBuilder().setGreedy(true).setIgnoreEos(true)
            .build();
    private static final BenchmarkSize SIZE = BenchmarkSize.current();
    private static final int MOST_SHARDS = SIZE.pick(2, 3);
    private static final int TTFT_RUNS = SIZE.pick(2, 5);
    private static final int DECODE_RUNS = SIZE.pick(1, 3);
    private static final int DECODE_TOKENS = SIZE.pick(16, 64);
    private static final int LONG_CONTEXT = SIZE.pick(256, 1_024);
    private static final int SHORT_CONTEXT = 16;
    private static final int CONCURRENT_SESSIONS = SIZE.pick(4, 8);
    private static final int CONCURRENT_TOKENS = SIZE.pick(12, 48);

    private final Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();
    private final BenchmarkReport report = BenchmarkReport.of(ShardedInferenceBenchmarkIT.class);

    @Test
    void shardedInference() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        int[] chatPrompt = ShardPipeline.fixturePrompts().get(3);
        int[] shortPrompt = filler(SHORT_CONTEXT);
        int[] longPrompt = filler(LONG_CONTEXT);
        int cores = Runtime.getRuntime().availableProcessors();
        line("Sharded inference, SmolLM2-135M-Instruct (Q4_1 GGUF, 4-bit weights and fp32 activations in ONNX"
                + " Runtime, CPU), %d cores, batch 1 unless stated; medians", cores);
        line("%-8s %12s %18s %12s %12s", "shards", "TTFT ms", "decode ms/token", "tokens/s", "vs 1 shard");

        double[] decodeMs = new double[4];
        double concurrentRatio = 0;
        double singleSessionTokensPerSecond = 0;
        double aggregateTokensPerSecond = 0;
        double longContextMs = 0;
        for (int shards = 1; shards <= MOST_SHARDS; shards++) {
            try (ShardPipeline pipeline = ShardPipeline.start(stack, ends(shards));
                    ShardChannels channels = new ShardChannels()) {
                PipelineClient client = new PipelineClient(channels, stack.ticketSigner());
                timed(client, pipeline.request(shortPrompt, 8, FIXED_LENGTH));
                double ttft = median(IntStream.range(0, TTFT_RUNS).mapToDouble(i -> uncheck(() ->
                        timed(client, pipeline.request(chatPrompt, 1, FIXED_LENGTH)).ttftMillis())).toArray());
                decodeMs[shards] = median(IntStream.range(0, DECODE_RUNS).mapToDouble(i -> uncheck(() ->
                        timed(client, pipeline.request(shortPrompt, DECODE_TOKENS, FIXED_LENGTH)).decodeMillisPerToken()))
                        .toArray());
                line("%-8d %12.1f %18.2f %12.1f %12.2f", shards, ttft, decodeMs[shards], 1000 / decodeMs[shards],
                        decodeMs[1] / decodeMs[shards]);
                if (shards == 1) {
                    longContextMs = median(IntStream.range(0, DECODE_RUNS).mapToDouble(i -> uncheck(() ->
                            timed(client, pipeline.request(longPrompt, DECODE_TOKENS, FIXED_LENGTH))
                                    .decodeMillisPerToken())).toArray());
                }
                if (shards == 2) {
                    singleSessionTokensPerSecond = concurrentTokensPerSecond(client, pipeline, shortPrompt, 1);
                    aggregateTokensPerSecond = concurrentTokensPerSecond(client, pipeline, shortPrompt,
                            CONCURRENT_SESSIONS);
                    concurrentRatio = aggregateTokensPerSecond / singleSessionTokensPerSecond;
                }
            }
        }
        for (String format : SIZE.pick(List.<String>of(), List.of("fp32", "q4-int8-activations"))) {
            try (ShardPipeline pipeline = ShardPipeline.start(stack, Map.of("computepool.shard.weight-format", format),
                    ShardPipeline.LAYERS); ShardChannels channels = new ShardChannels()) {
                PipelineClient client = new PipelineClient(channels, stack.ticketSigner());
                timed(client, pipeline.request(shortPrompt, 8, FIXED_LENGTH));
                double ms = median(IntStream.range(0, DECODE_RUNS).mapToDouble(i -> uncheck(() ->
                        timed(client, pipeline.request(shortPrompt, DECODE_TOKENS, FIXED_LENGTH))
                                .decodeMillisPerToken())).toArray());
                line("1 shard, weight format %s: %.2f ms/token, %.1f tokens/s", format, ms, 1000 / ms);
                report.ratio("decode tokens/s, 1 shard, weight format %s / the default q4".formatted(format),
                        decodeMs[1] / ms);
            }
        }
        line("");
        report.ratio("decode tokens/s, 2 shards / 1 shard (target >= 0.95)", decodeMs[1] / decodeMs[2]);
        if (MOST_SHARDS >= 3) {
            report.ratio("decode tokens/s, 3 shards / 1 shard", decodeMs[1] / decodeMs[3]);
            line("added latency per hop and token: %.2f ms (2 shards), %.2f ms (3 shards)",
                    decodeMs[2] - decodeMs[1], (decodeMs[3] - decodeMs[1]) / 2);
        } else {
            line("added latency per hop and token: %.2f ms (2 shards)", decodeMs[2] - decodeMs[1]);
        }
        line("decode at context %d vs %d, 1 shard: %.2f vs %.2f ms/token", LONG_CONTEXT, SHORT_CONTEXT,
                longContextMs, decodeMs[1]);
        report.ratio("decode time per token, 1 shard, context %d / context %d (target <= 1.3)".formatted(
                LONG_CONTEXT, SHORT_CONTEXT), longContextMs / decodeMs[1]);
        line("%d concurrent sessions, 2 shards: %.1f tokens/s in all vs %.1f for one session", CONCURRENT_SESSIONS,
                aggregateTokensPerSecond, singleSessionTokensPerSecond);
        report.ratio("tokens/s, %d concurrent sessions / one session, 2 shards (target >= 1.5)".formatted(
                CONCURRENT_SESSIONS), concurrentRatio);
        if (SIZE == BenchmarkSize.FULL) {
            llamaCpp(shortPrompt, decodeMs[1]);
        }
        report.write();
    }

    /** Layer ends of an even split of the model's 30 layers over {@code shards} workers. */
    private static int[] ends(int shards) {
        return IntStream.rangeClosed(1, shards).map(i -> ShardPipeline.LAYERS * i / shards).toArray();
    }

    /** A prompt of {@code length} ordinary tokens: BOS-free English text ids, repeated. */
    private static int[] filler(int length) throws IOException {
        int[] text = ShardPipeline.fixturePrompts().get(2);
        return IntStream.range(0, length).map(i -> text[i % text.length]).toArray();
    }

    private record Timing(long startNanos, long firstTokenNanos, long lastTokenNanos, int tokens) {

        double ttftMillis() {
            return (firstTokenNanos - startNanos) / 1e6;
        }

        double decodeMillisPerToken() {
            return (lastTokenNanos - firstTokenNanos) / 1e6 / (tokens - 1);
        }
    }

    /** Runs one session to its end, timing its first and last token as the client sees them. */
    private static Timing timed(PipelineClient client, PipelineClient.Request request) throws Exception {
        CompletableFuture<Timing> done = new CompletableFuture<>();
        long start = System.nanoTime();
        client.start(request, new PipelineClient.Listener() {
            private long first;
            private long last;
            private int count;

            @Override
            public void token(GeneratedToken token) {
                last = System.nanoTime();
                if (count++ == 0) {
                    first = last;
                }
            }

            @Override
            public void finished(SessionSummary summary) {
                done.complete(new Timing(start, first, last, count));
            }

            @Override
            public void failed(Status status) {
                done.completeExceptionally(status.asRuntimeException());
            }
        });
        Timing timing = done.get(5, TimeUnit.MINUTES);
        assertEquals(request.maxTokens(), timing.tokens(), "a fixed-length run produced every token");
        return timing;
    }

    /** Tokens per second over {@code sessions} sessions started together, from the first start to the last end. */
    private static double concurrentTokensPerSecond(PipelineClient client, ShardPipeline pipeline, int[] prompt,
            int sessions) throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<PipelineClient.Result>> runs = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> uncheck(() -> client.generate(
                    pipeline.request(prompt, CONCURRENT_TOKENS, FIXED_LENGTH), 5, TimeUnit.MINUTES))));
        }
        int tokens = 0;
        for (CompletableFuture<PipelineClient.Result> run : runs) {
            PipelineClient.Result result = run.get();
            assertEquals(FinishReason.FINISH_REASON_LENGTH, result.summary().getFinishReason());
            tokens += result.tokens().size();
        }
        return tokens / ((System.nanoTime() - start) / 1e9);
    }

    /** llama.cpp's decode speed on the same GGUF and prompt, when llama-cpp-python is installed. */
    private void llamaCpp(int[] prompt, double oursMsPerToken) throws Exception {
        Path python = Path.of(System.getenv().getOrDefault("COMPUTEPOOL_LLAMA_PYTHON",
                System.getProperty("user.home") + "/.cache/computepool/venvs/llama/bin/python"));
        Optional<Path> gguf = model();
        if (!Files.isExecutable(python) || gguf.isEmpty()) {
            line("llama.cpp: not measured (no llama-cpp-python at %s; shard-worker/scripts/make_fixtures.py says how"
                    + " to install it)", python);
            return;
        }
        List<String> command = new ArrayList<>(List.of(python.toString(),
                root.resolve("shard-worker/scripts/bench_llamacpp.py").toString(), gguf.get().toString(),
                String.valueOf(DECODE_TOKENS), String.valueOf(DECODE_RUNS)));
        Arrays.stream(prompt).mapToObj(String::valueOf).forEach(command::add);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES));
        if (process.exitValue() != 0) {
            line("llama.cpp: bench_llamacpp.py failed: %s", output);
            return;
        }
        double llamaMsPerToken = Double.parseDouble(output.lines().reduce((a, b) -> b).orElseThrow());
        line("llama.cpp (llama-cpp-python, %d threads), same GGUF and prompt: %.2f ms/token, %.1f tokens/s",
                Runtime.getRuntime().availableProcessors(), llamaMsPerToken, 1000 / llamaMsPerToken);
        report.ratio("decode tokens/s, 1 shard here / llama.cpp", llamaMsPerToken / oursMsPerToken);
    }

    private static Optional<Path> model() {
        Path path = InferencePlatform.modelFile();
        return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }

    private void line(String format, Object... args) {
        report.line(format, args);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    @FunctionalInterface
    private interface Measurement<T> {
        T run() throws Exception;
    }

    private static <T> T uncheck(Measurement<T> measurement) {
        try {
            return measurement.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
