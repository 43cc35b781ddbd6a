package computepool.journeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.shard.client.PipelineClient;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.IntFunction;
import java.util.stream.StreamSupport;

/**
 * SmolLM2 served by shard-worker processes that cover its layers in order, each worker ending at
 * one of the given layers: {@code start(30)} is one worker, {@code start(15, 30)} two halves.
 */
record ShardPipeline(List<ServiceProcess> workers, List<Hop> hops, String requestId) implements AutoCloseable {

    static final String MODEL = "smollm2-135m-instruct";
    static final int LAYERS = 30;

    private static final Pattern ACTIVE_SESSIONS = Pattern.compile("^kv_sessions_active\\s+(\\S+)$", Pattern.MULTILINE);

    static ShardPipeline start(JourneyStack stack, int... ends) throws Exception {
        return start(stack, Map.of(), ends);
    }

    /** With {@code extraConfig} added to every worker's configuration. */
    static ShardPipeline start(JourneyStack stack, Map<String, String> extraConfig, int... ends) throws Exception {
        return start(stack, worker -> extraConfig, ends);
    }

    /** With {@code extraConfig} of each worker (by its index, from the first layers on) added to its configuration. */
    static ShardPipeline start(JourneyStack stack, IntFunction<Map<String, String>> extraConfig, int... ends)
            throws Exception {
        return of(stack, ServiceProcess.startAll(launches(stack, extraConfig, ends)), ends);
    }

    /** The workers of a pipeline ending at {@code ends}, to be started side by side. */
    static List<ServiceProcess.Launch> launches(JourneyStack stack, IntFunction<Map<String, String>> extraConfig,
            int... ends) {
        List<ServiceProcess.Launch> launches = new ArrayList<>();
        int start = 0;
        for (int index = 0; index < ends.length; index++) {
            int end = ends[index];
            Map<String, String> config = new HashMap<>(stack.env().serviceConfig(Optional.empty()));
            config.putAll(OperatorNodes.NO_MARKET);
            config.put("computepool.shard.layer-start", String.valueOf(start));
            config.put("computepool.shard.layer-end", String.valueOf(end));
            config.put("computepool.shard.worker-id", workerId(stack, start, end));
            config.putAll(extraConfig.apply(index));
            launches.add(new ServiceProcess.Launch("shard-worker", config));
            start = end;
        }
        return launches;
    }

    /** The pipeline of {@code workers}, started from {@link #launches} with the same {@code ends}. */
    static ShardPipeline of(JourneyStack stack, List<ServiceProcess> workers, int... ends) {
        List<Hop> hops = new ArrayList<>();
        int start = 0;
        for (int index = 0; index < ends.length; index++) {
            int end = ends[index];
            hops.add(Hop.newBuilder().setWorkerId(workerId(stack, start, end))
                    .setAddress("127.0.0.1:" + workers.get(index).port())
                    .setLayerStart(start).setLayerEnd(end).build());
            start = end;
        }
        return new ShardPipeline(List.copyOf(workers), List.copyOf(hops), "journey-" + stack.runId());
    }

    private static String workerId(JourneyStack stack, int start, int end) {
        return "shard-" + start + "-" + end + "-" + stack.runId();
    }

    PipelineClient.Request request(int[] prompt, int maxTokens, SamplingParams sampling) {
        return new PipelineClient.Request(requestId, MODEL, LAYERS, hops, prompt, maxTokens, sampling);
    }

    /** The worker's {@code kv_sessions_active} gauge, read from its {@code /q/metrics}. */
    static int activeSessions(ServiceProcess worker) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String metrics = http.send(HttpRequest.newBuilder(worker.uri("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher gauge = ACTIVE_SESSIONS.matcher(metrics);
            if (!gauge.find()) {
                throw new AssertionError("no kv_sessions_active gauge at " + worker.uri("/q/metrics"));
            }
            return (int) Double.parseDouble(gauge.group(1));
        }
    }

    /** The chat prompts of shard-worker's llama.cpp fixture, as token ids. */
    static List<int[]> fixturePrompts() throws IOException {
        Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();
        JsonNode fixture = new ObjectMapper().readTree(
                root.resolve("shard-worker/src/test/resources/fixtures/llamacpp-smollm2.json").toFile());
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode generation : fixture.get("generations")) {
            prompts.add(StreamSupport.stream(generation.get("prompt_tokens").spliterator(), false)
                    .mapToInt(JsonNode::asInt).toArray());
        }
        return prompts;
    }

    @Override
    public void close() throws Exception {
        for (ServiceProcess worker : workers) {
            worker.close();
        }
    }
}
