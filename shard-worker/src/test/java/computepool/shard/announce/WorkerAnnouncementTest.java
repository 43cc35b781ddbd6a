package computepool.shard.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.events.EventCodec;
import computepool.events.EventEnvelope;
import computepool.events.Topics;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.config.ShardConfig;
import computepool.shard.session.KvSessions;
import computepool.shard.session.TestTickets;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionSummary;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerHeartbeat;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** What the worker tells the registry on the real broker: where it serves what, and how loaded it is. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class WorkerAnnouncementTest {

    @TestHTTPResource("/")
    URL url;

    @Inject
    ShardConfig config;

    @Inject
    KvSessions sessions;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void announcesItsSliceAtTheAddressItListensOn() {
        EventEnvelope event = awaitEvent(e -> e.hasType(WorkerAnnouncement.getDefaultInstance()), Duration.ofSeconds(20));
        WorkerAnnouncement announcement = event.payload(WorkerAnnouncement.getDefaultInstance());
        assertEquals("/shard-worker", event.source());
        assertEquals(config.workerId(), announcement.getWorkerId());
        assertEquals("smollm2-135m-instruct", announcement.getModelId());
        assertEquals(0, announcement.getLayerStart());
        assertEquals(30, announcement.getLayerEnd());
        assertEquals(30, announcement.getTotalLayers());
        assertEquals("127.0.0.1:" + url.getPort(), announcement.getAddress());
        assertEquals(config.maxSessions(), announcement.getCapacity().getMaxSessions());
        assertEquals(config.maxSessionTokens(), announcement.getCapacity().getMaxTokens());
        assertEquals("local-operator", announcement.getOperatorId());
        assertEquals("local-node", announcement.getNodeId());
        assertEquals(config.payoutAddress(), announcement.getPayoutAddress());
    }

    @Test
    void heartbeatsCarryTheSessionsItHolds() throws Exception {
        int[] prompt = {1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365};
        Hop self = Hop.newBuilder().setWorkerId(config.workerId()).setAddress("127.0.0.1:" + url.getPort())
                .setLayerStart(0).setLayerEnd(30).build();
        CountDownLatch firstToken = new CountDownLatch(1);
        try (ShardChannels channels = new ShardChannels()) {
            PipelineClient.Generation generation = new PipelineClient(channels, TestTickets.signer()).start(new PipelineClient.Request("test",
                    "smollm2-135m-instruct", 30, List.of(self), prompt, 3_000,
                    SamplingParams.newBuilder().setGreedy(true).build()), new PipelineClient.Listener() {
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
            Instant opened = Instant.now();
            WorkerHeartbeat busy = awaitEvent(heartbeat(h -> h.getLoad().getActiveSessions() == 1), Duration.ofSeconds(10))
                    .payload(WorkerHeartbeat.getDefaultInstance());
            assertEquals(prompt.length + 3_000, busy.getLoad().getTokensInFlight());
            assertTrue(busy.getSentAt().getSeconds() >= opened.getEpochSecond() - 1);
            generation.cancel();
        }
        long cancelled = Instant.now().getEpochSecond();
        awaitEvent(heartbeat(h -> h.getLoad().getActiveSessions() == 0 && h.getLoad().getTokensInFlight() == 0
                && h.getSentAt().getSeconds() > cancelled), Duration.ofSeconds(10));
        assertEquals(0, sessions.activeCount());
    }

    private Predicate<EventEnvelope> heartbeat(Predicate<WorkerHeartbeat> load) {
        return event -> event.hasType(WorkerHeartbeat.getDefaultInstance())
                && load.test(event.payload(WorkerHeartbeat.getDefaultInstance()));
    }

    /** Reads this worker's events on the workers topic from the start until one matches. */
    private EventEnvelope awaitEvent(Predicate<EventEnvelope> wanted, Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.WORKERS).stream()
                    .map(p -> new TopicPartition(Topics.WORKERS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> seen = new ArrayList<>();
            while (Instant.now().isBefore(deadline)) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (!config.workerId().equals(record.key())) {
                        continue;
                    }
                    EventEnvelope event = EventCodec.fromConsumerRecord(record);
                    seen.add(event.type());
                    if (wanted.test(event)) {
                        return event;
                    }
                }
            }
            throw new AssertionError("no matching event of worker " + config.workerId() + " within " + limit
                    + "; saw " + seen);
        }
    }
}
