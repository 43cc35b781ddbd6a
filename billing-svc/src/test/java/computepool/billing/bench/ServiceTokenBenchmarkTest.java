package computepool.billing.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import computepool.auth.InternalCalls;
import computepool.billing.support.BillingFixture;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.QuoteRequest;
import computepool.localstack.bench.BenchmarkReport;
import computepool.localstack.bench.BenchmarkSize;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What a service token adds to an internal call: {@code HoldService.Quote} with the gateway's token (verified,
 * its role checked) against the same call on the same port without one ({@link UnguardedQuote}), one call after the
 * other from one client, alternating so that both see the same machine. Target: at most 0.2 ms more at p50. The
 * report goes to {@code target/benchmarks/ServiceTokenBenchmarkTest.txt}.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class ServiceTokenBenchmarkTest {

    private static final BenchmarkSize SIZE = BenchmarkSize.current();
    private static final int WARM_UP = SIZE.pick(300, 3_000);
    private static final int CALLS = SIZE.pick(500, 10_000);
    private static final double TARGET_ADDED_MS = 0.2;

    @Inject
    Pool database;

    @Inject
    GrpcServer grpc;

    @Test
    void aServiceTokenAddsLittleToAnInternalCall() {
        ManagedChannel channel = InternalCalls.channel(grpc.getPort());
        try (BillingFixture fixture = new BillingFixture(database).started()) {
            HoldServiceGrpc.HoldServiceBlockingStub guarded = InternalCalls.bearing(
                    HoldServiceGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"));
            QuoteRequest request = QuoteRequest.newBuilder().setModelId(fixture.model)
                    .setPromptTokens(1234).setMaxCompletionTokens(1000).build();
            long expected = guarded.quote(request).getMaxCostNanoUsd();
            assertEquals(expected, unguarded(channel, request), "the baseline answers the same call the same");

            for (int i = 0; i < WARM_UP; i++) {
                guarded.quote(request);
                unguarded(channel, request);
            }
            long[] withToken = new long[CALLS];
            long[] without = new long[CALLS];
            for (int i = 0; i < CALLS; i++) {
                long started = System.nanoTime();
                assertEquals(expected, guarded.quote(request).getMaxCostNanoUsd());
                long between = System.nanoTime();
                assertEquals(expected, unguarded(channel, request));
                without[i] = System.nanoTime() - between;
                withToken[i] = between - started;
            }
            report(withToken, without);
        } finally {
            channel.shutdownNow();
        }
    }

    private static long unguarded(ManagedChannel channel, QuoteRequest request) {
        return ClientCalls.blockingUnaryCall(channel, UnguardedQuote.QUOTE, CallOptions.DEFAULT, request)
                .getMaxCostNanoUsd();
    }

    private void report(long[] withToken, long[] without) {
        Arrays.sort(withToken);
        Arrays.sort(without);
        double added = millis(withToken, 50) - millis(without, 50);
        BenchmarkReport report = BenchmarkReport.of(getClass());
        report.lines("""
                HoldService.Quote on billing-svc's internal gRPC port, one client, %,d calls of each alternating
                (after %,d of each to warm up); each a priced model's quote read from PostgreSQL
                                              p50 ms    p99 ms
                  without a token (baseline) %7.3f   %7.3f
                  with the gateway's token   %7.3f   %7.3f
                added by the token at p50: %.3f ms; target <= %.1f ms: %s
                """.formatted(CALLS, WARM_UP, millis(without, 50), millis(without, 99), millis(withToken, 50),
                millis(withToken, 99), added, TARGET_ADDED_MS, added <= TARGET_ADDED_MS ? "met" : "missed"));
        report.ratio("internal call p50, with a service token / without", (double) percentile(withToken, 50)
                / percentile(without, 50));
        report.write();
    }

    private static long percentile(long[] sorted, int percent) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * percent / 100.0) - 1)];
    }

    private static double millis(long[] sorted, int percent) {
        return percentile(sorted, percent) / 1e6;
    }
}
