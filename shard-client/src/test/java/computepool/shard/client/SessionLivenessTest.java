package computepool.shard.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionOpened;
import computepool.shard.v1.SessionSummary;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A session never waits on a shard forever: it ends at its deadline, and a shard whose machine drops off the network
 * without closing the connection is given up by the channel's keepalive. The shard here opens each session and then
 * says nothing more, as a stuck or vanished worker would.
 */
class SessionLivenessTest {

    private Server shard;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startShard() throws IOException {
        shard = ServerBuilder.forPort(0).addService(new ShardServiceGrpc.ShardServiceImplBase() {
            @Override
            public StreamObserver<StreamSessionRequest> streamSession(StreamObserver<StreamSessionResponse> answer) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(StreamSessionRequest request) {
                        if (request.hasOpen()) {
                            answer.onNext(StreamSessionResponse.newBuilder().setOpened(SessionOpened.newBuilder()
                                    .setSessionId(request.getOpen().getSessionId())).build());
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                };
            }
        }).build().start();
    }

    @AfterEach
    void stop() throws IOException {
        shard.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    @Test
    void aSessionStillRunningAtItsDeadlineIsCancelled() throws Exception {
        try (ShardChannels channels = new ShardChannels()) {
            Ending ending = start(new PipelineClient(channels, signer(), Duration.ofMillis(800)),
                    "127.0.0.1:" + shard.getPort());

            Status status = ending.failed.get(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), status.toString());
            assertTrue(ending.opened.isDone(), "the shard had opened it");
        }
    }

    @Test
    void aShardThatFallsSilentMidSessionIsGivenUpWithinTheKeepalive() throws Exception {
        ServerSocket relay = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Blackhole blackhole = new Blackhole();
        Thread.ofVirtual().start(() -> relay(relay, shard.getPort(), blackhole));
        try (ShardChannels channels = new ShardChannels(8, ShardChannels.IDLE, Duration.ofSeconds(1),
                Clock.systemUTC())) {
            Ending ending = start(new PipelineClient(channels, signer(), Duration.ofMinutes(5)),
                    "127.0.0.1:" + relay.getLocalPort());
            ending.opened.get(10, TimeUnit.SECONDS);

            // The worker's machine goes away: nothing it is sent arrives, nothing comes back, no connection closes.
            blackhole.swallowing = true;
            long before = System.nanoTime();
            Status status = ending.failed.get(30, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - before);

            assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
            assertTrue(seconds <= ShardChannels.KEEPALIVE_TIME.toSeconds() + 5,
                    "given up after " + seconds + " s, far before the session's 5-minute deadline");
        } finally {
            relay.close();
        }
    }

    /** What a session told its listener. */
    private record Ending(CompletableFuture<Void> opened, CompletableFuture<Status> failed) {
    }

    private static Ending start(PipelineClient client, String address) {
        Ending ending = new Ending(new CompletableFuture<>(), new CompletableFuture<>());
        client.start(new PipelineClient.Request("req-liveness", "model", 30, List.of(Hop.newBuilder()
                .setWorkerId("w").setAddress(address).setLayerStart(0).setLayerEnd(30).build()), new int[] { 1, 2, 3 },
                16, SamplingParams.getDefaultInstance()), new PipelineClient.Listener() {
                    @Override
                    public void opened() {
                        ending.opened.complete(null);
                    }

                    @Override
                    public void token(GeneratedToken token) {
                    }

                    @Override
                    public void finished(SessionSummary summary) {
                        ending.failed.completeExceptionally(new AssertionError("finished: " + summary));
                    }

                    @Override
                    public void failed(Status status) {
                        ending.failed.complete(status);
                    }
                });
        return ending;
    }

    private static TicketSigner signer() throws Exception {
        return new TicketSigner(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate(), "liveness-test",
                Clock.systemUTC());
    }

    /** Once swallowing, the relay drops every byte either way and keeps both connections open. */
    private static final class Blackhole {
        volatile boolean swallowing;
    }

    private void relay(ServerSocket relay, int target, Blackhole blackhole) {
        try {
            while (true) {
                Socket client = relay.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(server);
                Thread.ofVirtual().start(() -> pump(client, server, blackhole));
                Thread.ofVirtual().start(() -> pump(server, client, blackhole));
            }
        } catch (IOException closed) {
            // The test is over.
        }
    }

    private static void pump(Socket from, Socket to, Blackhole blackhole) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int read; (read = in.read(buffer)) >= 0; ) {
                if (!blackhole.swallowing) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
        } catch (IOException closed) {
            // Either side closed.
        }
    }
}
