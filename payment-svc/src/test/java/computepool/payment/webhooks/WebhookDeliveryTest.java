package computepool.payment.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.payment.domain.WebhookUrl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries against real endpoints on this machine's loopback addresses: each goes to the address checked for it,
 * a name that has come to resolve privately is not dialled, and a hanging endpoint holds up only its own owner.
 * Every dial passes through {@link LoopbackOnlyWebhookPoster}, so nothing here reaches beyond loopback.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "payment_test"))
class WebhookDeliveryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @Inject
    Pool database;

    @Inject
    WebhookDeliveries deliveries;

    @Inject
    WebhookTargets targets;

    @Inject
    SwitchableWebhookResolver resolver;

    @Inject
    LoopbackOnlyWebhookPoster poster;

    @Inject
    WebhookConfig config;

    private TestEndpoints endpoints;

    @BeforeEach
    void endpoints() {
        endpoints = new TestEndpoints(database, deliveries);
    }

    /** "localhost" answered with 127.0.0.2: a client that looked the name up itself would reach 127.0.0.1. */
    @Test
    void aDeliveryGoesToTheCheckedAddressWithTheUrlsHostAsHost() throws Exception {
        List<String> hosts = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 0);
        receiver.createContext("/hook", exchange -> {
            hosts.add(exchange.getRequestHeaders().getFirst("Host"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        String owner = TestEndpoints.newOwner();
        UUID webhook = null;
        try (var answer = resolver.answer("localhost", "127.0.0.2")) {
            int port = receiver.getAddress().getPort();
            webhook = endpoints.register(owner, "http://localhost:" + port + "/hook?from=test");
            endpoints.announce(owner, 1, Instant.now());

            TestEndpoints.Delivery delivery = endpoints.awaitFirst(webhook, TestEndpoints.Delivery::delivered, PATIENCE);
            assertNotNull(delivery);
            assertTrue(delivery.delivered(), "delivered: " + delivery);
            assertEquals(204, delivery.lastStatus());
            assertEquals(List.of("localhost:" + port), hosts);
        } finally {
            receiver.stop(0);
            endpoints.remove(webhook);
        }
    }

    /** The JDK sends no SNI for a name without a dot; the platform sends it for every name. */
    @Test
    void tlsAsksTheCheckedAddressForTheUrlsHost() throws Exception {
        String owner = TestEndpoints.newOwner();
        UUID webhook = null;
        try (TlsServerNames server = new TlsServerNames(InetAddress.getByName("127.0.0.3"));
                var answer = resolver.answer("localhost", "127.0.0.3")) {
            webhook = endpoints.register(owner, "https://localhost:" + server.port() + "/hook");
            endpoints.announce(owner, 1, Instant.now());

            TestEndpoints.Delivery delivery = endpoints.awaitFirst(webhook, found -> found.attempts() > 0, PATIENCE);
            assertNotNull(delivery);
            assertFalse(delivery.delivered(), "the listener hangs up after the ClientHello");
            assertEquals("localhost", server.names().getFirst());
        } finally {
            endpoints.remove(webhook);
        }
    }

    @Test
    void aNameThatTurnsPrivateAfterRegistrationIsNotDialled() throws Exception {
        String host = "rebound-" + UUID.randomUUID() + ".example.test";
        WebhookUrl url = WebhookUrl.parse("https://" + host + "/hook");
        String owner = TestEndpoints.newOwner();
        UUID webhook = null;
        try {
            try (var publicAnswer = resolver.answer(host, "192.0.2.50")) {
                assertEquals(InetAddress.getByName("192.0.2.50"), targets.check(url).address(), "accepted while public");
            }
            try (var privateAnswer = resolver.answer(host, "192.0.2.50", "10.1.2.3")) {
                webhook = endpoints.register(owner, url.toString());
                endpoints.announce(owner, 1, Instant.now());

                TestEndpoints.Delivery delivery = endpoints.awaitFirst(webhook, found -> found.attempts() > 0, PATIENCE);
                assertNotNull(delivery);
                assertFalse(delivery.delivered());
                assertEquals("refused: resolves to 10.1.2.3, a private address: webhooks reach only public addresses",
                        delivery.lastError());
                assertEquals(List.of(), poster.dialsFor(host), "no connection attempted");
            }
        } finally {
            endpoints.remove(webhook);
        }
    }

    /** A public target would be dialled at the address just checked; in a test the loopback guard stops it there. */
    @Test
    void aPublicTargetIsDialledOnlyAtItsCheckedAddress() throws Exception {
        String host = "public-" + UUID.randomUUID() + ".example.test";
        String owner = TestEndpoints.newOwner();
        UUID webhook = null;
        try (var answer = resolver.answer(host, "192.0.2.60", "2001:db8::60")) {
            webhook = endpoints.register(owner, "https://" + host + ":8443/hook");
            endpoints.announce(owner, 1, Instant.now());

            TestEndpoints.Delivery delivery = endpoints.awaitFirst(webhook, found -> found.attempts() > 0, PATIENCE);
            assertNotNull(delivery);
            assertEquals(LoopbackOnlyWebhookPoster.REFUSED + ": 192.0.2.60 for " + host, delivery.lastError());
            LoopbackOnlyWebhookPoster.Dial dial = poster.dialsFor(host).getFirst();
            assertEquals(InetAddress.getByName("192.0.2.60"), dial.address());
            assertEquals(8443, dial.port());
        } finally {
            endpoints.remove(webhook);
        }
    }

    /**
     * Owner A's endpoint accepts and never answers, and A has more deliveries due than a pass takes: owner B's
     * delivery, due after all of them, still arrives within a few passes, and A's deliveries stay one at a time.
     */
    @Test
    void anEndpointThatNeverAnswersDelaysNoOtherOwner() throws Exception {
        List<Instant> arrivals = new CopyOnWriteArrayList<>();
        HttpServer prompt = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        prompt.createContext("/hook", exchange -> {
            arrivals.add(Instant.now());
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        prompt.start();
        String hanging = TestEndpoints.newOwner();
        String waiting = TestEndpoints.newOwner();
        UUID hangingWebhook = null;
        UUID waitingWebhook = null;
        try (Stall stall = new Stall()) {
            hangingWebhook = endpoints.register(hanging, "http://127.0.0.1:" + stall.port() + "/hook");
            waitingWebhook = endpoints.register(waiting, "http://127.0.0.1:" + prompt.getAddress().getPort() + "/hook");
            Instant now = Instant.now();
            endpoints.announce(hanging, 60, now.minusSeconds(2));
            stall.awaitConnections(1, PATIENCE);
            Instant announced = Instant.now();
            endpoints.announce(waiting, 1, now.minusSeconds(1));

            TestEndpoints.Delivery delivered = endpoints.awaitFirst(waitingWebhook, TestEndpoints.Delivery::delivered,
                    PATIENCE);
            assertNotNull(delivered);
            assertTrue(delivered.delivered(), "delivered: " + delivered);
            Duration delay = Duration.between(announced, arrivals.getFirst());
            assertTrue(delay.compareTo(Duration.ofSeconds(3)) < 0, "delayed " + delay);
            assertTrue(delay.compareTo(config.timeout()) < 0, "not behind the hanging endpoint's timeout");

            Thread.sleep(10 * config.passInterval().toMillis());
            assertEquals(1, stall.connections(), "one of the hanging owner's deliveries at a time");
            List<TestEndpoints.Delivery> held = endpoints.deliveriesOf(hangingWebhook);
            assertEquals(60, held.size());
            assertTrue(held.stream().noneMatch(TestEndpoints.Delivery::delivered));
            assertEquals(0, held.stream().mapToInt(TestEndpoints.Delivery::attempts).sum(), "the first still waits");
        } finally {
            prompt.stop(0);
            endpoints.remove(hangingWebhook);
            endpoints.remove(waitingWebhook);
        }
    }

    /** A loopback listener that accepts connections and never reads or answers. */
    private static final class Stall implements AutoCloseable {

        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private final Thread acceptor = Thread.ofVirtual().name("stall").start(this::accept);

        Stall() throws IOException {
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return held.size();
        }

        void awaitConnections(int count, Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (held.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(held.size() >= count, "the hanging endpoint was reached");
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    held.add(server.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            server.close();
            for (Socket socket : held) {
                socket.close();
            }
            acceptor.join(5_000);
        }
    }
}
