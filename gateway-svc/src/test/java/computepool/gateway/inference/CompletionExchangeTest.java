package computepool.gateway.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.gateway.models.ServedModel;
import computepool.gguf.GgufFile;
import computepool.gguf.GgufMetadata;
import computepool.gguf.tokenizer.ChatTemplate;
import computepool.gguf.tokenizer.Tokenizer;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.client.TicketSigner;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionOpened;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edges of one completion, on a real Vert.x HTTP server and a real {@link PipelineClient} whose entry shard is a
 * loopback socket that counts who dials it: a session that cannot be set off is answered in OpenAI's shape and ends
 * once, using nothing; a client gone before its session starts never gets one; one gone after its session started,
 * before any token, has it cancelled on the shard.
 */
class CompletionExchangeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Vertx vertx;
    private static ServedModel model;
    private static ServerSocket entryShard;
    private static final AtomicInteger dialled = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Path gguf = Path.of(Optional.ofNullable(System.getenv("COMPUTEPOOL_MODEL_GGUF")).orElse(
                System.getProperty("user.home") + "/.cache/computepool/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
        GgufMetadata metadata = GgufFile.open(gguf).metadata();
        Tokenizer tokenizer = Tokenizer.fromGguf(metadata);
        model = new ServedModel("smollm2", tokenizer, ChatTemplate.fromGguf(metadata, tokenizer), 8192, Instant.EPOCH);
        entryShard = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!entryShard.isClosed()) {
                try (Socket ignored = entryShard.accept()) {
                    dialled.incrementAndGet();
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        entryShard.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSessionThatCannotBeSetOffIsAnswered502AndEndsOnceHavingUsedNothing() throws Exception {
        // A signing key of the wrong kind: the ticket cannot be signed once the stream to the entry shard is open.
        try (Served served = new Served("RSA", 0)) {
            HttpResponse<String> answer = served.get();

            assertEquals(502, answer.statusCode(), answer.body());
            JsonNode error = JSON.readTree(answer.body()).get("error");
            assertEquals("server_error", error.get("type").asText());
            assertEquals("pipeline_unavailable", error.get("code").asText());
            CompletionExchange.Ended how = served.ended();
            assertEquals(FinishReason.FINISH_REASON_ERROR, how.reason());
            assertFalse(how.started(), "nothing ran, so nothing is billed");
            assertEquals(0, how.tokensReceived());
            Thread.sleep(200);
            assertEquals(1, served.endings.size(), "the hold is settled and usage recorded exactly once");
        }
    }

    @Test
    void aClientGoneBeforeItsSessionStartsNeverGetsOne() throws Exception {
        // The session is started a moment after the request arrives, as after its hold and pipeline lookups.
        try (Served served = new Served("Ed25519", 500)) {
            int before = dialled.get();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), served.server.actualPort());
                    OutputStream out = client.getOutputStream()) {
                out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            CompletionExchange.Ended how = served.ended();
            assertEquals(FinishReason.FINISH_REASON_CANCELLED, how.reason());
            assertFalse(how.started());
            Thread.sleep(500);
            assertEquals(before, dialled.get(), "no session was opened on the entry shard");
        }
    }

    @Test
    void theEntryShardIsDialledWhenTheClientStays() throws Exception {
        // The counting shard above proves something only if a started session does dial it.
        try (Served served = new Served("Ed25519", 0)) {
            int before = dialled.get();
            HttpResponse<String> answer = served.get();
            assertEquals(503, answer.statusCode(), "the counting shard speaks no gRPC: " + answer.body());
            assertTrue(served.ended().started());
            assertTrue(dialled.get() > before, "the entry shard was dialled");
        }
    }

    @Test
    void aClientGoneAfterItsSessionStartedButBeforeAnyTokenHasItCancelledOnTheShard() throws Exception {
        CompletableFuture<Void> opened = new CompletableFuture<>();
        CompletableFuture<Throwable> cancelled = new CompletableFuture<>();
        Server silentShard = silentShard(opened, cancelled);
        try (Served served = new Served("Ed25519", 0, "127.0.0.1:" + silentShard.getPort())) {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), served.server.actualPort());
                    OutputStream out = client.getOutputStream()) {
                out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // The session is open on the shard, which has sent no token yet: the client leaves now.
                opened.get(10, TimeUnit.SECONDS);
            }
            CompletionExchange.Ended how = served.ended();
            assertEquals(FinishReason.FINISH_REASON_CANCELLED, how.reason());
            assertTrue(how.started(), "the prompt was sent to the shard: billed as what it used");
            assertEquals(0, how.tokensReceived());
            Throwable onShard = cancelled.get(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.CANCELLED, Status.fromThrowable(onShard).getCode(), onShard.toString());
            Thread.sleep(200);
            assertEquals(1, served.endings.size(), "ended once");
        } finally {
            silentShard.shutdownNow();
        }
    }

    /** A shard that opens each session and then says nothing, telling how its streams end. */
    private static Server silentShard(CompletableFuture<Void> opened, CompletableFuture<Throwable> ended)
            throws Exception {
        return ServerBuilder.forPort(0).addService(new ShardServiceGrpc.ShardServiceImplBase() {
            @Override
            public StreamObserver<StreamSessionRequest> streamSession(StreamObserver<StreamSessionResponse> answer) {
                // The gateway half-closes its side once the prompt is sent; a cancellation comes after that.
                ((ServerCallStreamObserver<StreamSessionResponse>) answer).setOnCancelHandler(
                        () -> ended.complete(Status.CANCELLED.asRuntimeException()));
                return new StreamObserver<>() {
                    @Override
                    public void onNext(StreamSessionRequest request) {
                        if (request.hasOpen()) {
                            answer.onNext(StreamSessionResponse.newBuilder().setOpened(SessionOpened.newBuilder()
                                    .setSessionId(request.getOpen().getSessionId())).build());
                            opened.complete(null);
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        ended.complete(error);
                    }

                    @Override
                    public void onCompleted() {
                    }
                };
            }
        }).build().start();
    }

    /** A server of completions whose tickets are signed with a new key of {@code keyAlgorithm}, and its endings. */
    private static final class Served implements AutoCloseable {

        final ShardChannels channels = new ShardChannels();
        final List<CompletionExchange.Ended> endings = new CopyOnWriteArrayList<>();
        final CompletableFuture<CompletionExchange.Ended> first = new CompletableFuture<>();
        final HttpServer server;

        Served(String keyAlgorithm, long delayMillis) throws Exception {
            this(keyAlgorithm, delayMillis, "127.0.0.1:" + entryShard.getLocalPort());
        }

        Served(String keyAlgorithm, long delayMillis, String entryAddress) throws Exception {
            TicketSigner signer = new TicketSigner(KeyPairGenerator.getInstance(keyAlgorithm).generateKeyPair()
                    .getPrivate(), "gateway-test", Clock.systemUTC());
            server = serve(new PipelineClient(channels, signer), delayMillis, entryAddress, (done, flushed) -> {
                endings.add(done);
                first.complete(done);
            });
        }

        /** A request the server must answer within 10 s: one left unanswered fails the test rather than hanging. */
        HttpResponse<String> get() throws Exception {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.actualPort() + "/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        CompletionExchange.Ended ended() throws Exception {
            return first.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } finally {
                channels.close();
            }
        }
    }

    /** A server answering every request with one completion, started {@code delayMillis} after it arrives. */
    private static HttpServer serve(PipelineClient client, long delayMillis, String entryAddress,
            CompletionExchange.Ending ending) throws Exception {
        Completion completion = new Completion(CompletionKind.CHAT, model, new int[] {1, 2, 3}, 4,
                SamplingParams.getDefaultInstance(), false, false);
        PipelineClient.Request request = new PipelineClient.Request("request-" + System.nanoTime(), model.id(), 30,
                List.of(Hop.newBuilder().setWorkerId("worker").setAddress(entryAddress)
                        .setLayerStart(0).setLayerEnd(30).build()), new int[] {1, 2, 3}, 4,
                SamplingParams.getDefaultInstance());
        return vertx.createHttpServer().requestHandler(http -> {
            var context = vertx.getOrCreateContext();
            CompletionExchange exchange = new CompletionExchange(context, http.response(), JSON, completion,
                    new OpenAiAnswers(JSON, CompletionKind.CHAT, "chatcmpl-test", 0, model.id()),
                    new ErrorAnswers(JSON), ending);
            if (delayMillis == 0) {
                exchange.start(client, request);
            } else {
                vertx.setTimer(delayMillis, ignored -> exchange.start(client, request));
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
