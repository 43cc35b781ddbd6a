package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.TcpProxy;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * billing-svc's PostgreSQL goes away while billing charges a burst of usage: behind the project's TCP proxy, paused
 * (every query hangs) or cut (every connection dropped and refused). Within the consumers' retry horizon nothing is
 * parked and every event is charged once; past it events are parked, visible, and replayed through the admin API
 * once the database is back, each booked once, so the totals are those of a run without an outage.
 * {@code -Dcomputepool.outage.pause-seconds} sets the pause (30 s here; the full case is 120).
 */
class BillingOutageIT {

    private static final int EVENTS = 2_000;
    private static final long COST = StandaloneBilling.COST;
    private static final Duration PAUSE = Duration.ofSeconds(Long.getLong("computepool.outage.pause-seconds", 30));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aDatabasePausedWithinTheRetryHorizonLosesNothingAndParksNothing() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        try (TcpProxy database = TcpProxy.start(stack.env().postgresHost(), stack.env().postgresPort());
                StandaloneBilling billing = new StandaloneBilling(stack, "paused",
                        throughProxy(stack, "paused", database, Map.of(
                                "computepool.events.consumer.retry-horizon", "10m")))) {
            ServiceProcess service = billing.start();
            try {
                billing.priceModel(service);
                String developerId = billing.newDeveloper(service, 2 * EVENTS * COST);
                billing.sendUsage(EVENTS / 10, "paused-", developerId);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                        .until(() -> billing.charges() >= 1);
                database.pause();
                try {
                    billing.sendUsage(EVENTS - EVENTS / 10, "paused-", developerId);
                    Thread.sleep(PAUSE.toMillis());
                } finally {
                    database.resume();
                }
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> billing.charges() >= EVENTS);
                billing.assertChargedOnceEach(EVENTS, developerId);
                assertEquals(0, billing.query("select count(*) from parked_event where consumer = 'billing-usage'"),
                        "nothing parked");
            } finally {
                service.close();
            }
        }
    }

    @Test
    void eventsParkedByAnOutagePastTheHorizonAreVisibleAndReplayedOnceEach() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        try (TcpProxy database = TcpProxy.start(stack.env().postgresHost(), stack.env().postgresPort());
                StandaloneBilling billing = new StandaloneBilling(stack, "parks",
                        throughProxy(stack, "parks", database, Map.of(
                                "computepool.events.consumer.retry-horizon", "2s",
                                "computepool.events.consumer.unready-after", "1s",
                                "computepool.events.consumer.parked-gauge-interval", "1s")))) {
            ServiceProcess service = billing.start();
            try {
                billing.priceModel(service);
                String developerId = billing.newDeveloper(service, 2 * EVENTS * COST);
                int before = EVENTS / 10;
                billing.sendUsage(before, "parks-", developerId);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> billing.charges() == before);

                // The database goes down: the consumer retries, and says so, for its horizon, then parks (once the
                // database takes the parked record) and moves on.
                database.cut();
                try {
                    billing.sendUsage(EVENTS - before, "parks-", developerId);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                            .until(() -> readiness(service).contains("billing-usage"));
                    Thread.sleep(Duration.ofSeconds(8).toMillis());
                } finally {
                    database.resume();
                }
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> billing.charges() + parked(billing) >= EVENTS);
                long parked = parked(billing);
                assertTrue(parked >= 1, "an outage past the horizon parks events");
                assertEquals(EVENTS - parked, billing.charges());
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                        .until(() -> parkedGauge(service) == parked);

                // Strangers neither see nor replay them.
                String path = "/v1/admin/events/parked";
                given().when().get(service.uri(path)).then().statusCode(401);
                given().auth().oauth2(stack.developerToken()).when().get(service.uri(path)).then().statusCode(403);
                given().auth().oauth2(stack.developerToken()).contentType(ContentType.JSON).body("{}")
                        .when().post(service.uri(path + "/replay")).then().statusCode(403);
                given().auth().oauth2(stack.adminToken()).when().get(service.uri(path + "?limit=0"))
                        .then().statusCode(400).body("errors[0].field", equalTo("limit"));
                assertEquals(EVENTS - parked, billing.charges(), "nothing replayed by the refused calls");

                int listed = given().auth().oauth2(stack.adminToken())
                        .when().get(service.uri(path + "?consumer=billing-usage&type=computepool.usage.v1.InferenceUsage"))
                        .then().statusCode(200).extract().path("events.size()");
                assertEquals(parked, listed);
                long first = ((Number) given().auth().oauth2(stack.adminToken())
                        .when().get(service.uri(path + "?consumer=billing-usage"))
                        .then().statusCode(200).extract().path("events[0].id")).longValue();

                given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                        .body("{\"consumer\": \"billing-usage\"}")
                        .when().post(service.uri(path + "/replay"))
                        .then().statusCode(200).body("replayed", equalTo((int) parked))
                        .body("outcomes.APPLIED", equalTo((int) parked));
                billing.assertChargedOnceEach(EVENTS, developerId);
                assertEquals(0, parked(billing), "replayed records are resolved");

                // Replayed again, one books nothing more; every replay is recorded with who asked.
                given().auth().oauth2(stack.adminToken()).when().post(service.uri(path + "/" + first + "/replay"))
                        .then().statusCode(200).body("outcome", equalTo("ALREADY_APPLIED"));
                given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                        .body("{\"consumer\": \"billing-usage\"}")
                        .when().post(service.uri(path + "/replay")).then().statusCode(200).body("replayed", equalTo(0));
                billing.assertChargedOnceEach(EVENTS, developerId);
                given().auth().oauth2(stack.adminToken()).when().get(service.uri(path + "/" + first))
                        .then().statusCode(200)
                        .body("replays.size()", equalTo(2))
                        .body("replays[0].outcome", equalTo("APPLIED"))
                        .body("replays[1].outcome", equalTo("ALREADY_APPLIED"));
                assertEquals(0, billing.query("select count(*) from parked_event_replay where replayed_by = ''"));
                given().auth().oauth2(stack.adminToken()).when().get(service.uri(path + "/999999999"))
                        .then().statusCode(404);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                        .until(() -> parkedGauge(service) == 0);
            } finally {
                service.close();
            }
        }
    }

    /** billing's datasource through the proxy; {@code settings} on top. */
    private static Map<String, String> throughProxy(JourneyStack stack, String name, TcpProxy proxy,
            Map<String, String> settings) {
        String database = "billing_" + name + "_" + stack.runId();
        Map<String, String> config = new HashMap<>(settings);
        config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database);
        config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + proxy.port() + "/" + database);
        return config;
    }

    private static long parked(StandaloneBilling billing) throws Exception {
        return billing.query("""
                select count(*) from parked_event where consumer = 'billing-usage' and resolved_at is null""");
    }

    private static String readiness(ServiceProcess service) {
        return get(service.uri("/q/health/ready"));
    }

    /** billing-usage's parked events as {@code /q/metrics} shows them; -1 when it shows none. */
    private static long parkedGauge(ServiceProcess service) {
        Matcher gauge = Pattern.compile("(?m)^computepool_events_parked\\{[^}]*consumer=\"billing-usage\"[^}]*} "
                + "([0-9.E]+)$").matcher(get(service.uri("/q/metrics")));
        return gauge.find() ? (long) Double.parseDouble(gauge.group(1)) : -1;
    }

    private static String get(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }
}
