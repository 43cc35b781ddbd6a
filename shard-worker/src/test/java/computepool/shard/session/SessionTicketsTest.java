package computepool.shard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.shard.client.ShardChannels;
import computepool.shard.client.TicketSigner;
import computepool.shard.config.ShardConfig;
import computepool.shard.v1.CancelSessionRequest;
import computepool.shard.v1.Hop;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.PromptChunk;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionTicket;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.SignedTicket;
import computepool.shard.v1.StreamSessionRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A shard worker serves only sessions a gateway's ticket allows, and dials only the hops the ticket names. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class SessionTicketsTest {

    private static final String MODEL = "smollm2-135m-instruct";
    private static final int[] PROMPT = {1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365};
    private static final int MAX_TOKENS = 500;

    @TestHTTPResource("/")
    URL url;

    @Inject
    ShardConfig config;

    @Inject
    KvSessions sessions;

    private ShardChannels channels;

    @BeforeEach
    void connect() {
        channels = new ShardChannels();
    }

    @AfterEach
    void disconnect() {
        channels.close();
    }

    private Hop self() {
        return Hop.newBuilder().setWorkerId(config.workerId()).setAddress("127.0.0.1:" + url.getPort())
                .setLayerStart(0).setLayerEnd(30).build();
    }

    private static OpenSession.Builder frame(String sessionId) {
        return OpenSession.newBuilder().setSessionId(sessionId).setRequestId("req-" + sessionId).setModelId(MODEL)
                .setLayerStart(0).setLayerEnd(30).setTotalLayers(30).setPromptTokens(PROMPT.length)
                .setMaxTokens(MAX_TOKENS).setSampling(SamplingParams.newBuilder().setGreedy(true));
    }

    private static SignedTicket ticket(TicketSigner signer, String sessionId, List<Hop> hops) {
        return signer.sign(sessionId, "req-" + sessionId, MODEL, 30, hops, MAX_TOKENS, PROMPT.length);
    }

    /** Opens the session and sends its prompt; the stream ends with the status the worker gave. */
    private RawStream start(OpenSession open) {
        RawStream stream = RawStream.open(channels, url.getPort());
        stream.send(StreamSessionRequest.newBuilder().setOpen(open).build());
        PromptChunk.Builder prompt = PromptChunk.newBuilder().setSessionId(open.getSessionId()).setLastChunk(true);
        for (int token : PROMPT) {
            prompt.addTokenIds(token);
        }
        stream.send(StreamSessionRequest.newBuilder().setPrompt(prompt).build());
        return stream;
    }

    private void assertRefused(Status.Code code, String because, OpenSession open) throws Exception {
        Status status = start(open).awaitError();
        assertEquals(code, status.getCode(), status.toString());
        assertTrue(status.getDescription().contains(because), status.getDescription());
        assertEquals(0, sessions.activeCount(), "a refused session holds no KV cache");
    }

    @Test
    void aSessionWithoutATicketIsUnauthenticated() throws Exception {
        assertRefused(Status.Code.UNAUTHENTICATED, "needs a ticket", frame(UUID.randomUUID().toString()).build());
    }

    @Test
    void aForgedAlteredExpiredOrMisdirectedTicketIsDenied() throws Exception {
        String id = UUID.randomUUID().toString();
        TicketSigner stranger = new TicketSigner(strangersKey(), "stranger", Clock.systemUTC());
        assertRefused(Status.Code.PERMISSION_DENIED, "signature",
                frame(id).setTicket(ticket(stranger, id, List.of(self()))).build());

        SignedTicket genuine = ticket(TestTickets.signer(), id, List.of(self()));
        SignedTicket altered = genuine.toBuilder().setTicket(SessionTicket.parseFrom(genuine.getTicket()).toBuilder()
                .setMaxTokens(100_000).build().toByteString()).build();
        assertRefused(Status.Code.PERMISSION_DENIED, "signature",
                frame(id).setMaxTokens(100_000).setTicket(altered).build());

        TicketSigner late = TestTickets.signer(Clock.fixed(Instant.now().minus(TicketSigner.LIFETIME)
                .minus(Duration.ofSeconds(1)), ZoneOffset.UTC));
        assertRefused(Status.Code.PERMISSION_DENIED, "expired", frame(id).setTicket(ticket(late, id, List.of(self())))
                .build());

        Hop someoneElse = self().toBuilder().setWorkerId("another-worker").build();
        assertRefused(Status.Code.PERMISSION_DENIED, "names no hop of worker",
                frame(id).setTicket(ticket(TestTickets.signer(), id, List.of(someoneElse))).build());
        assertRefused(Status.Code.PERMISSION_DENIED, "is for session",
                frame(id).setTicket(ticket(TestTickets.signer(), "another-session", List.of(self()))).build());
        assertRefused(Status.Code.PERMISSION_DENIED, "allows",
                frame(id).setMaxTokens(MAX_TOKENS + 1).setTicket(genuine).build());
    }

    @Test
    void theWorkerNeverDialsAHopTheTicketDoesNotName() throws Exception {
        try (ServerSocket attacker = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            attacker.setSoTimeout(1_000);
            String id = UUID.randomUUID().toString();
            Hop added = Hop.newBuilder().setWorkerId("attacker").setAddress("127.0.0.1:" + attacker.getLocalPort())
                    .setLayerStart(30).setLayerEnd(31).build();
            assertRefused(Status.Code.PERMISSION_DENIED, "not the ticket's hops",
                    frame(id).addDownstream(added).setTicket(ticket(TestTickets.signer(), id, List.of(self()))).build());
            assertThrows(SocketTimeoutException.class, attacker::accept, "the worker connected to the added hop");
        }
    }

    @Test
    void aTicketOpensItsSessionOnceAndOnlyItCancelsIt() throws Exception {
        String id = UUID.randomUUID().toString();
        SignedTicket ticket = ticket(TestTickets.signer(), id, List.of(self()));
        OpenSession open = frame(id).setTicket(ticket).build();
        RawStream first = start(open);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (sessions.find(id).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(sessions.find(id).isPresent(), "the ticket's session runs");

        Status replayed = start(open).awaitError();
        assertEquals(Status.Code.PERMISSION_DENIED, replayed.getCode(), replayed.toString());
        assertTrue(replayed.getDescription().contains("opened it here already"), replayed.getDescription());

        ShardServiceGrpc.ShardServiceBlockingStub shard = ShardServiceGrpc.newBlockingStub(
                channels.get("127.0.0.1:" + url.getPort()));
        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class,
                () -> shard.cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build()));
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
        SignedTicket another = ticket(TestTickets.signer(), "another-" + id, List.of(self()));
        StatusRuntimeException otherTicket = assertThrows(StatusRuntimeException.class,
                () -> shard.cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).setTicket(another).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, otherTicket.getStatus().getCode());
        assertTrue(sessions.find(id).isPresent(), "no stranger cancelled the session");

        assertTrue(shard.cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).setTicket(ticket).build())
                .getFound());
        first.awaitError();
        // The cache is freed on the session's own thread, after any step in flight.
        long freedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (sessions.find(id).isPresent() && System.nanoTime() < freedBy) {
            Thread.sleep(10);
        }
        assertTrue(sessions.find(id).isEmpty(), "the session's own ticket cancelled it");
    }

    private static PrivateKey strangersKey() throws NoSuchAlgorithmException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();
    }
}
