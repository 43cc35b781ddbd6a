package computepool.journeys;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.PlaceHoldResponse;
import computepool.localstack.KeycloakTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The packaged billing-svc killed with {@code kill -9} in the middle of charging a burst of usage, then started again
 * on the same database and consumer group: every usage event is charged exactly once, every transaction balances,
 * and every hold placed for those requests ends settled with its request's charge.
 */
class BillingCrashIT {

    private static final int EVENTS = 2_000;
    private static final int HELD = 40;
    private static final long COST = StandaloneBilling.COST;

    @Test
    void killedMidBurstItChargesEveryUsageEventOnceAfterRestart() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        try (StandaloneBilling billing = new StandaloneBilling(stack, "crash", Map.of())) {
            ServiceProcess first = billing.start();
            String developerId;
            List<String> requests = new ArrayList<>();
            try {
                billing.priceModel(first);
                developerId = billing.newDeveloper(first, 2 * EVENTS * COST);
                for (int i = 0; i < EVENTS; i++) {
                    requests.add("crash-" + UUID.randomUUID());
                }
                placeHolds(stack, first, developerId, billing.model, requests.subList(0, HELD));
                for (String request : requests) {
                    billing.sendUsage(request, developerId);
                }
                billing.flush();
                // Killed once the first charges are committed, before all are.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(2))
                        .until(() -> billing.charges() >= 1);
                first.kill();
            } finally {
                first.kill();
            }
            long committed = billing.charges();
            System.out.printf("billing killed with %d of %d charges committed%n", committed, EVENTS);
            assertTrue(committed >= 1 && committed < EVENTS,
                    committed + " of " + EVENTS + " charges were committed when the process died");

            ServiceProcess restarted = billing.start();
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> billing.charges() >= EVENTS);
                billing.assertChargedOnceEach(EVENTS, developerId);
                assertEquals(EVENTS, billing.query("""
                        select count(*) from processed_event where consumer = 'billing-usage'"""));
                assertEquals(HELD, billing.query("""
                        select count(*) from hold where state = 'SETTLED' and charged_nano_usd = ?""", COST),
                        "every hold ends settled with its request's charge");
                assertEquals(HELD, billing.query("select count(*) from hold"));
                assertEquals(0, billing.query("select count(*) from parked_event where consumer = 'billing-usage'"));
            } finally {
                restarted.close();
            }
        }
    }

    /** Holds for some of the requests, as a gateway places them: 1000 prompt and up to 200 completion tokens. */
    private static void placeHolds(JourneyStack stack, ServiceProcess billing, String developerId, String model,
            List<String> requests) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", billing.grpcPort()).usePlaintext().build();
        try {
            Metadata asGateway = new Metadata();
            asGateway.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                    "Bearer " + KeycloakTokens.forService(stack.env(), "gateway-svc").clientCredentialsGrant());
            HoldServiceGrpc.HoldServiceBlockingStub holds = HoldServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(asGateway));
            for (String request : requests) {
                PlaceHoldResponse placed = holds.placeHold(PlaceHoldRequest.newBuilder()
                        .setRequestId(request).setDeveloperId(developerId).setModelId(model)
                        .setPromptTokens(1000).setMaxCompletionTokens(200).build());
                assertEquals(COST, placed.getHold().getAmountNanoUsd(), placed.toString());
            }
        } finally {
            channel.shutdownNow();
        }
    }
}
