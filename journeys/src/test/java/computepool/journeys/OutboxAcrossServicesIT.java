package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.identity.v1.DeveloperUpdated;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * identity-svc and billing-svc as separate processes on the real broker: an event written through
 * identity's outbox reaches billing and is applied once even when delivered twice, and an event
 * whose transaction rolled back is never published.
 */
class OutboxAcrossServicesIT {

    private static final String BILLING_CONSUMER = "billing-developer-wallets";

    private static JourneyStack stack;
    private static IdentityTopic identityTopic;
    private static ServiceProcess identity;
    private static ServiceProcess billing;
    private static String billingGroup;

    @BeforeAll
    static void startServices() throws Exception {
        stack = JourneyStack.fromEnvFile();
        identityTopic = new IdentityTopic(stack.env().kafkaAdminConfig());
        billingGroup = "billing-svc-" + stack.runId();
        Map<String, String> billingConfig = new HashMap<>(stack.serviceConfig("billing-svc", "billing"));
        billingConfig.put("mp.messaging.incoming.identity-events.group.id", billingGroup);
        List<ServiceProcess> services = ServiceProcess.startAll(List.of(
                new ServiceProcess.Launch("identity-svc", stack.serviceConfig("identity-svc", "identity")),
                new ServiceProcess.Launch("billing-svc", billingConfig)));
        identity = services.get(0);
        billing = services.get(1);
    }

    @AfterAll
    static void stopServices() throws Exception {
        if (billing != null) {
            billing.close();
        }
        if (identity != null) {
            identity.close();
        }
    }

    @Test
    void developerCreatedOpensWalletsOnceEvenWhenDeliveredTwice() throws Exception {
        String developerId = given().auth().oauth2(stack.developerToken())
                .get(identity.uri("/v1/developers/me"))
                .then().statusCode(200).extract().path("id");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(2, walletsOf(developerId).size()));

        ConsumerRecord<String, byte[]> created = identityTopic.awaitRecord(developerId,
                "computepool.identity.v1.DeveloperCreated", Duration.ofSeconds(30));
        RecordMetadata duplicate = identityTopic.redeliver(created);
        awaitConsumedPast(duplicate);

        String ceId = IdentityTopic.header(created, "ce_id");
        assertEquals(1, countRows("select count(*) from processed_event where consumer = ? and ce_id = ?::uuid", ceId));
        assertEquals(0, countRows("select count(*) from parked_event where consumer = ? and ce_id = ?", ceId));
        assertEquals(2, walletsOf(developerId).size());
        assertTrue(billing.isAlive());
    }

    @Test
    void aRolledBackTransactionPublishesNothing() throws Exception {
        String taken = "held-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"handle\": \"" + taken + "\"}")
                .patch(identity.uri("/v1/developers/me"))
                .then().statusCode(200);

        String developer = stack.developerToken();
        String developerId = given().auth().oauth2(developer).get(identity.uri("/v1/developers/me"))
                .then().statusCode(200).extract().path("id");
        given().auth().oauth2(developer).contentType(ContentType.JSON)
                .body("{\"handle\": \"" + taken + "\"}")
                .patch(identity.uri("/v1/developers/me"))
                .then().statusCode(409);

        // A later change of the same developer is relayed after anything written before it, so
        // once it arrives, the rolled-back event would have arrived too.
        String marker = "After Conflict " + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(developer).contentType(ContentType.JSON)
                .body("{\"displayName\": \"" + marker + "\"}")
                .patch(identity.uri("/v1/developers/me"))
                .then().statusCode(200).body("displayName", equalTo(marker));

        List<DeveloperUpdated> updates = identityTopic.updatesUntil(developerId, marker, Duration.ofSeconds(30));
        assertFalse(updates.isEmpty());
        assertTrue(updates.stream().noneMatch(update -> update.getHandle().equals(taken)),
                "an update from a rolled-back transaction was published: " + updates);
    }

    /** The developer's wallets; none while billing answers 404 (it has not applied DeveloperCreated yet). */
    private List<Map<String, Object>> walletsOf(String developerId) {
        var response = given().auth().oauth2(stack.developerToken()).get(billing.uri("/v1/wallets/me"));
        if (response.statusCode() == 404) {
            return List.of();
        }
        List<Map<String, Object>> wallets = response.then().statusCode(200).extract().jsonPath().getList("$");
        return wallets == null ? List.of() : wallets.stream()
                .filter(wallet -> developerId.equals(wallet.get("developerId")))
                .toList();
    }

    private void awaitConsumedPast(RecordMetadata record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        try (Admin admin = Admin.create(stack.env().kafkaAdminConfig())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(billingGroup)
                        .partitionsToOffsetAndMetadata().get().get(partition);
                return committed != null && committed.offset() > record.offset();
            });
        }
    }

    private int countRows(String sql, String ceId) throws SQLException {
        try (Connection db = stack.database("billing"); PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, BILLING_CONSUMER);
            query.setString(2, ceId);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
