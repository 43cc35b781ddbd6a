package computepool.payment.webhooks;

import computepool.payment.domain.SigningSecret;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Webhook endpoints of owners made up for one test, written straight to the tables as a registration would (so a
 * test can store a URL the registration check would refuse today), and the deliveries enqueued for them.
 */
final class TestEndpoints {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One delivery's state. */
    record Delivery(String eventId, int attempts, Integer lastStatus, String lastError, boolean delivered) {
    }

    private final Pool database;
    private final WebhookDeliveries deliveries;
    private final SecureRandom random = new SecureRandom();

    TestEndpoints(Pool database, WebhookDeliveries deliveries) {
        this.database = database;
        this.deliveries = deliveries;
    }

    static String newOwner() {
        return "webhook-owner-" + UUID.randomUUID();
    }

    /** An endpoint of the owner for payout.settled; its id. */
    UUID register(String owner, String url) {
        UUID id = UUID.randomUUID();
        database.withTransaction(connection -> connection.preparedQuery("""
                                insert into webhook (id, owner_id, url, signing_secret, created_at)
                                values ($1, $2, $3, $4, now())""")
                        .execute(Tuple.of(id, owner, url, SigningSecret.generate(random).value()))
                        .chain(() -> connection.preparedQuery(
                                        "insert into webhook_event (webhook_id, event) values ($1, 'payout.settled')")
                                .execute(Tuple.of(id))))
                .await().atMost(TIMEOUT);
        return id;
    }

    /** {@code count} payout.settled events for the owner's endpoints, due at {@code dueAt}, in one commit. */
    void announce(String owner, int count, Instant dueAt) {
        List<WebhookDeliveries.Event> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new WebhookDeliveries.Event(owner, "event-" + UUID.randomUUID(), "payout.settled",
                    "{\"type\": \"payout.settled\", \"n\": " + i + "}"));
        }
        database.withTransaction(connection -> deliveries.enqueue(connection, events, dueAt)).await().atMost(TIMEOUT);
    }

    /** The endpoint's deliveries, in the order they were due. */
    List<Delivery> deliveriesOf(UUID webhook) {
        List<Delivery> found = new ArrayList<>();
        database.preparedQuery("""
                        select event_id, attempts, last_status, last_error, delivered_at from webhook_delivery
                        where webhook_id = $1 order by created_at, payload""")
                .execute(Tuple.of(webhook)).await().atMost(TIMEOUT)
                .forEach(row -> found.add(new Delivery(row.getString("event_id"), row.getInteger("attempts"),
                        row.getInteger("last_status"), row.getString("last_error"),
                        row.getValue("delivered_at") != null)));
        return found;
    }

    /** The endpoint's first delivery once it passes the test, or the last state seen when {@code within} runs out. */
    Delivery awaitFirst(UUID webhook, Predicate<Delivery> test, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Delivery seen = null;
        while (System.nanoTime() < deadline) {
            List<Delivery> found = deliveriesOf(webhook);
            seen = found.isEmpty() ? null : found.getFirst();
            if (seen != null && test.test(seen)) {
                return seen;
            }
            Thread.sleep(50);
        }
        return seen;
    }

    /** Removes the endpoint and its deliveries, so no later pass retries them. */
    void remove(UUID webhook) {
        database.preparedQuery("delete from webhook where id = $1").execute(Tuple.of(webhook)).await().atMost(TIMEOUT);
    }
}
