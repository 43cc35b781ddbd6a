package computepool.journeys;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import computepool.localstack.bench.BenchmarkReport;
import computepool.localstack.bench.BenchmarkSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once ingestion of usage by the packaged billing-svc, on the real broker and PostgreSQL: each poll charged in
 * one transaction against the baseline of one transaction per event, in the same run. All the usage is on the topic
 * before billing starts reading it; throughput is charges over the span from the first charge's booking to the last
 * one's ({@code recorded_at}), so the process's start does not count. Target: 20,000 events/s. The report goes to
 * {@code target/benchmarks/BillingIngestionBenchmarkIT.txt}.
 */
class BillingIngestionBenchmarkIT {

    private static final BenchmarkSize SIZE = BenchmarkSize.current();
    private static final int DEVELOPERS = SIZE.pick(4, 20);
    private static final int BASELINE_EVENTS = SIZE.pick(300, 2_000);
    private static final int BATCHED_EVENTS = SIZE.pick(3_000, 30_000);
    private static final double TARGET_EVENTS_PER_SECOND = 20_000;

    private record Run(int events, double seconds) {

        double perSecond() {
            return events / seconds;
        }
    }

    @Test
    void batchedTransactionsAgainstOneTransactionPerEvent() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        Run baseline = run(stack, "bench_one", false, BASELINE_EVENTS);
        Run batched = run(stack, "bench_batch", true, BATCHED_EVENTS);
        BenchmarkReport report = BenchmarkReport.of(getClass());
        report.lines("""
                billing usage ingestion, exactly once, one partition, %d developers, real Kafka and PostgreSQL,
                each charge: 1 ledger transaction, 4 postings, 1 charge row, 3-4 outbox events, 1 processed-event row
                  one transaction per event: %6d events in %6.2f s = %8.0f events/s
                  one transaction per poll:  %6d events in %6.2f s = %8.0f events/s
                target >= %.0f events/s: %s
                """.formatted(DEVELOPERS, baseline.events(), baseline.seconds(), baseline.perSecond(),
                batched.events(), batched.seconds(), batched.perSecond(),
                TARGET_EVENTS_PER_SECOND, batched.perSecond() >= TARGET_EVENTS_PER_SECOND ? "met" : "missed"));
        report.ratio("events/s, one transaction per poll / one per event", batched.perSecond() / baseline.perSecond());
        report.write();
    }

    private static Run run(JourneyStack stack, String name, boolean batched, int events) throws Exception {
        try (StandaloneBilling billing = new StandaloneBilling(stack, name,
                Map.of("computepool.billing.batch-ingestion", String.valueOf(batched)))) {
            List<String> developers = new ArrayList<>();
            try (ServiceProcess preparing = billing.start()) {
                billing.priceModel(preparing);
                for (int i = 0; i < DEVELOPERS; i++) {
                    developers.add(billing.newDeveloper(preparing, 2L * events * StandaloneBilling.COST));
                }
            }
            for (int i = 0; i < events; i++) {
                billing.sendUsage(name + "-" + UUID.randomUUID(), developers.get(i % DEVELOPERS));
            }
            billing.flush();
            // At smoke size the JIT's quick start: the process is ready sooner, and the ratio is all that is checked.
            ServiceProcess process = SIZE == BenchmarkSize.FULL ? billing.startForSpeed() : billing.start();
            try {
                await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(250))
                        .until(() -> billing.charges() >= events);

                assertEquals(events, billing.charges(), "each event charged once");
                assertEquals(-events * StandaloneBilling.COST, billing.query("""
                        select sum(p.amount_nano_usd) from posting p join account a on a.id = p.account_id
                        join ledger_transaction t on t.id = p.transaction_id
                        where a.kind = 'DEVELOPER_PAID' and t.kind = 'inference'"""));
                assertEquals(0, billing.query("""
                        select count(*) from (select transaction_id from posting group by transaction_id
                        having sum(amount_nano_usd) <> 0) unbalanced"""));
                long spanMicros = billing.query("""
                        select (extract(epoch from max(recorded_at) - min(recorded_at)) * 1000000)::bigint
                        from ledger_transaction where kind = 'inference'""");
                return new Run(events, Math.max(spanMicros, 1) / 1e6);
            } finally {
                process.close();
            }
        }
    }
}
