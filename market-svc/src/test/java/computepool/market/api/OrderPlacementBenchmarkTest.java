package computepool.market.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.localstack.bench.BenchmarkReport;
import computepool.localstack.bench.BenchmarkSize;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.market.orders.OrderBook;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The placement API under load: threads placing sells and immediate-or-cancel buys through REST at once, each
 * request timed from send to answer, against a baseline measured in the same run with the same threads and HTTP
 * client: reading one node (the same authentication and a database read, no book). Target: p99 of a placement
 * at most 10 ms. The report goes to {@code target/benchmarks/OrderPlacementBenchmarkTest.txt}.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "market_test"), @ResourceArg(name = "service", value = "market-svc") })
class OrderPlacementBenchmarkTest {

    private static final int THREADS = 8;
    private static final BenchmarkSize SIZE = BenchmarkSize.current();
    private static final int REQUESTS = SIZE.pick(200, 2_000);
    private static final int WARM_UP = SIZE.pick(100, 300);
    private static final int ALONE = SIZE.pick(50, 300);
    private static final long ONE_USD = 1_000_000_000L;

    @TestHTTPResource("/")
    URI root;

    @Inject
    OrderBook book;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void placementLatencyUnderLoadAgainstReadingANode() throws Exception {
        String operator = TestLogins.admin();
        String developer = TestLogins.developer();
        long base = book.currentHour() + 1_000 + ThreadLocalRandom.current().nextLong(10_000_000);
        HttpResponse<String> registered = send(post("/v1/nodes", operator, null, """
                {"name": "bench-%s", "zone": "zone-%s", "interconnect": "cluster", "powerBudgetWatts": 100000,
                 "gpus": [{"model": "H100_80GB", "memoryGib": 80, "count": 64, "powerLimitWatts": 700}]}"""
                .formatted(UUID.randomUUID(), base)));
        assertEquals(201, registered.statusCode(), registered.body());
        String node = new ObjectMapper().readTree(registered.body()).get("id").asText();
        // The node's agent heartbeats every second, as a real one does, so the node stays offered throughout.
        ScheduledExecutorService agent = Executors.newSingleThreadScheduledExecutor();
        agent.scheduleAtFixedRate(() -> send(post("/v1/nodes/" + node + "/heartbeats", operator, null, "")), 0, 1,
                TimeUnit.SECONDS);
        try {
            measure(operator, developer, node, base);
        } finally {
            agent.shutdownNow();
        }
    }

    private void measure(String operator, String developer, String node, long base) throws Exception {
        Thread.sleep(200);

        // Each hour gets a sell of 8 GPUs; the buys after it take 1 or 2 of them, so some fill and some do not.
        IntFunction<HttpRequest> placement = i -> {
            long hour = base + i / 10;
            return i % 10 == 0
                    ? post("/v1/orders/sell", operator, UUID.randomUUID().toString(), """
                            {"nodeId": "%s", "gpuModel": "H100_80GB", "gpuCount": 8, "start": "%s", "end": "%s",
                             "minPriceNanoUsdPerGpuHour": %d}""".formatted(node, hourStart(hour),
                            hourStart(hour + 1), ONE_USD))
                    : post("/v1/orders/buy", developer, UUID.randomUUID().toString(), """
                            {"gpuModel": "H100_80GB", "gpuCount": %d, "start": "%s", "durationHours": 1,
                             "limitPriceNanoUsdPerGpuHour": %d, "timeInForce": "immediate_or_cancel"}"""
                            .formatted(1 + i % 2, hourStart(hour), 2 * ONE_USD));
        };
        IntFunction<HttpRequest> readNode = i -> HttpRequest.newBuilder(root.resolve("/v1/nodes/" + node))
                .header("Authorization", "Bearer " + operator).GET().build();

        run(readNode, WARM_UP, 200, THREADS);
        run(placement, WARM_UP, 201, THREADS);
        long[] baseline = run(readNode, REQUESTS, 200, THREADS);
        long[] placements = run(i -> placement.apply(WARM_UP + i), REQUESTS, 201, THREADS);
        // One client alone: what a placement costs when it never waits for another to leave the book.
        long[] alone = run(i -> placement.apply(WARM_UP + REQUESTS + i), ALONE, 201, 1);

        BenchmarkReport report = BenchmarkReport.of(getClass());
        report.lines("""
                order placement through REST, %d threads, %,d requests of each kind (after %d to warm up)
                              p50 ms    p99 ms    max ms
                  read node  %7.2f   %7.2f   %7.2f
                  place      %7.2f   %7.2f   %7.2f
                  place, 1 thread (%d requests)  p50 %.2f ms, p99 %.2f ms
                target p99 <= 10 ms: %s
                """.formatted(THREADS, REQUESTS, WARM_UP, millis(baseline, 50), millis(baseline, 99),
                millis(baseline, 100), millis(placements, 50), millis(placements, 99), millis(placements, 100),
                ALONE, millis(alone, 50), millis(alone, 99), millis(placements, 99) <= 10 ? "met" : "missed"));
        report.ratio("p99 placement / p99 read of a node, %d threads".formatted(THREADS),
                (double) percentile(placements, 99) / percentile(baseline, 99));
        report.ratio("p50 placement / p50 read of a node, %d threads".formatted(THREADS),
                (double) percentile(placements, 50) / percentile(baseline, 50));
        report.write();
    }

    /** Sends {@code count} requests from {@code clients} threads; each one's latency in nanoseconds, sorted. */
    private long[] run(IntFunction<HttpRequest> requests, int count, int expectedStatus, int clients)
            throws Exception {
        long[] latencies = new long[count];
        try (ExecutorService threads = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                int first = t;
                done.add(threads.submit(() -> {
                    for (int i = first; i < count; i += clients) {
                        HttpRequest request = requests.apply(i);
                        long started = System.nanoTime();
                        HttpResponse<String> response = send(request);
                        latencies[i] = System.nanoTime() - started;
                        assertEquals(expectedStatus, response.statusCode(), response.body());
                    }
                    return null;
                }));
            }
            for (Future<?> thread : done) {
                thread.get();
            }
        }
        Arrays.sort(latencies);
        assertTrue(latencies[0] > 0, "every request timed");
        return latencies;
    }

    private HttpRequest post(String path, String token, String idempotencyKey, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(root.resolve(path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.build();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long percentile(long[] sorted, int percent) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * percent / 100.0) - 1)];
    }

    private static double millis(long[] sorted, int percent) {
        return percentile(sorted, percent) / 1e6;
    }

    private static String hourStart(long hour) {
        return Instant.ofEpochSecond(hour * 3600).toString();
    }
}
