package computepool.billing.api;

import static computepool.problems.ProblemAssertions.problem;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import computepool.billing.support.BillingFixture;
import computepool.events.EventEnvelope;
import computepool.events.EventCodec;
import computepool.identity.v1.DeveloperCreated;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.localstack.quarkus.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class WalletResourceTest {

    @Inject
    Pool database;

    @Test
    void healthIsUp() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void noTokenIsUnauthorized() {
        given().get("/v1/wallets/me").then().spec(problem(401));
    }

    @Test
    void developerCreatedOpensBothWalletsOnceThoughDeliveredTwice() throws Exception {
        String token = TestLogins.developer();
        String developerId = UUID.randomUUID().toString();
        ProducerRecord<String, byte[]> record = developerCreated(developerId, BillingFixture.subjectOf(token));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(record).get();
            producer.send(record).get();
            // An undecodable record between them must be parked, not stop the consumer.
            producer.send(new ProducerRecord<>("identity", developerId, "not protobuf".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(record).get();
        }
        String ceId = new String(record.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8);
        // The undecodable record is parked only after the two copies before it were handled.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(1,
                count("select count(*) from parked_event where record_key = $1", developerId)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1,
                count("select count(*) from processed_event where ce_id = $1::uuid", ceId)));
        assertEquals(0, count("select count(*) from parked_event where ce_id = $1", ceId));
        List<Map<String, Object>> wallets = walletsOf(token, developerId);
        assertEquals(List.of("DEVELOPER_PAID", "DEVELOPER_SUBSIDISED"), wallets.stream().map(w -> w.get("kind")).sorted().toList());
    }

    @Test
    void priceVersionsNeedAdminAndValidFields() {
        given().auth().oauth2(TestLogins.developer()).contentType("application/json")
                .body("{\"modelId\":\"m\",\"promptNanoUsdPerMillionTokens\":1,\"completionNanoUsdPerMillionTokens\":1}")
                .post("/v1/prices").then().spec(problem(403));
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"modelId\":\"m\",\"promptNanoUsdPerMillionTokens\":-5,\"completionNanoUsdPerMillionTokens\":1}")
                .post("/v1/prices").then().statusCode(400)
                .body("errors[0].field", equalTo("promptNanoUsdPerMillionTokens"));
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"modelId\":\"m\",\"promptNanoUsdPerMillionTokens\":\"cheap\",\"completionNanoUsdPerMillionTokens\":1}")
                .post("/v1/prices").then().statusCode(400)
                .body("errors[0].field", equalTo("promptNanoUsdPerMillionTokens"));
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"modelId\":\"m\",")
                .post("/v1/prices").then().statusCode(400)
                .body("errors[0].field", equalTo("body"));
    }

    @Test
    void aPriceVersionAppliesFromItsInstant() {
        String model = "model-" + UUID.randomUUID();
        String admin = TestLogins.admin();
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"modelId\":\"" + model + "\",\"promptNanoUsdPerMillionTokens\":100,"
                        + "\"completionNanoUsdPerMillionTokens\":300,\"validFrom\":\"2026-01-01T00:00:00Z\"}")
                .post("/v1/prices").then().statusCode(201);
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"modelId\":\"" + model + "\",\"promptNanoUsdPerMillionTokens\":200,"
                        + "\"completionNanoUsdPerMillionTokens\":600,\"validFrom\":\"2026-02-01T00:00:00Z\"}")
                .post("/v1/prices").then().statusCode(201);
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"modelId\":\"" + model + "\",\"promptNanoUsdPerMillionTokens\":1,"
                        + "\"completionNanoUsdPerMillionTokens\":1,\"validFrom\":\"2026-02-01T00:00:00Z\"}")
                .post("/v1/prices").then().statusCode(409).body("errors[0].field", equalTo("validFrom"));

        String developer = TestLogins.developer();
        given().auth().oauth2(developer).queryParam("at", "2026-01-15T00:00:00Z")
                .get("/v1/prices/" + model).then().statusCode(200).body("promptNanoUsdPerMillionTokens", equalTo(100));
        given().auth().oauth2(developer).queryParam("at", "2026-02-01T00:00:00Z")
                .get("/v1/prices/" + model).then().statusCode(200).body("completionNanoUsdPerMillionTokens", equalTo(600));
        given().auth().oauth2(developer).queryParam("at", "2025-12-31T00:00:00Z")
                .get("/v1/prices/" + model).then().statusCode(404);
        given().auth().oauth2(developer).queryParam("at", "yesterday")
                .get("/v1/prices/" + model).then().statusCode(400).body("errors[0].field", equalTo("at"));
    }

    private long count(String sql, String value) {
        return database.preparedQuery(sql).execute(Tuple.of(value)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    private static List<Map<String, Object>> walletsOf(String token, String developerId) {
        List<Map<String, Object>> wallets = given().auth().oauth2(token).get("/v1/wallets/me")
                .then().extract().jsonPath().getList("$");
        return wallets == null ? List.of()
                : wallets.stream().filter(w -> developerId.equals(w.get("developerId"))).toList();
    }

    private static ProducerRecord<String, byte[]> developerCreated(String developerId, String subject) {
        DeveloperCreated created = DeveloperCreated.newBuilder()
                .setDeveloperId(developerId)
                .setKeycloakSubject(subject)
                .setEmail("dev@computepool.test")
                .setDisplayName("dev")
                .setCreatedAt(Timestamp.newBuilder().setSeconds(1_790_000_000L))
                .build();
        EventEnvelope envelope = EventEnvelope.create("/identity-svc", developerId, null, created);
        return EventCodec.toProducerRecord("identity", envelope);
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(TestKafka.adminConfig(), new StringSerializer(), new ByteArraySerializer());
    }
}
