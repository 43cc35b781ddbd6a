package computepool.shard.client;

import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.Hop;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.PromptChunk;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionSummary;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens an inference session over a pipeline of shard workers and streams its tokens: the caller
 * sends token ids and receives tokens, never activations. Every session carries a ticket the caller
 * signs, without which no shard serves it, and a deadline: a session still running then is cancelled
 * on every shard and fails with {@code DEADLINE_EXCEEDED}. A shard that stops answering altogether is
 * found by the channel's keepalive ({@link ShardChannels}), and the session fails with {@code UNAVAILABLE}.
 */
public final class PipelineClient {

    /** Prompt tokens per PromptChunk; the entry shard forwards one hidden-state frame per chunk. */
    public static final int PROMPT_CHUNK_TOKENS = 256;
    /** The deadline of a session unless the caller chooses one. */
    public static final Duration DEFAULT_SESSION_DEADLINE = Duration.ofMinutes(10);

    private final ShardChannels channels;
    private final TicketSigner tickets;
    private final Duration sessionDeadline;

    public PipelineClient(ShardChannels channels, TicketSigner tickets) {
        this(channels, tickets, DEFAULT_SESSION_DEADLINE);
    }

    /** @param sessionDeadline how long a session may run from its start */
    public PipelineClient(ShardChannels channels, TicketSigner tickets, Duration sessionDeadline) {
        this.channels = channels;
        this.tickets = tickets;
        this.sessionDeadline = sessionDeadline;
    }

    /**
     * One generation request.
     *
     * @param hops the pipeline's shards in layer order, the first holding layer 0
     */
    public record Request(String requestId, String modelId, int totalLayers, List<Hop> hops, int[] prompt,
            int maxTokens, SamplingParams sampling) {

        public Request {
            if (hops.isEmpty()) {
                throw new IllegalArgumentException("a pipeline needs at least one shard");
            }
            hops = List.copyOf(hops);
            prompt = prompt.clone();
        }
    }

    /** What a session streams back, in order; every method runs on a gRPC thread. */
    public interface Listener {

        default void opened() {
        }

        void token(GeneratedToken token);

        void finished(SessionSummary summary);

        void failed(Status status);
    }

    /** A running session. */
    public interface Generation {

        String sessionId();

        /** Cancels the call, and with it the session on every shard. */
        void cancel();
    }

    /** Everything a finished session sent. */
    public record Result(List<GeneratedToken> tokens, SessionSummary summary) {

        public int[] tokenIds() {
            return tokens.stream().mapToInt(GeneratedToken::getTokenId).toArray();
        }

        public String text() {
            StringBuilder text = new StringBuilder();
            tokens.forEach(token -> text.append(token.getText()));
            return text.toString();
        }
    }

    public Generation start(Request request, Listener listener) {
        String sessionId = UUID.randomUUID().toString();
        Hop entry = request.hops().get(0);
        Responses responses = new Responses(listener);
        ShardServiceGrpc.newStub(channels.get(entry.getAddress()))
                .withDeadlineAfter(sessionDeadline.toMillis(), TimeUnit.MILLISECONDS)
                .streamSession(responses);
        ClientCallStreamObserver<StreamSessionRequest> call = responses.call;
        try {
            send(call, sessionId, request, entry);
        } catch (RuntimeException e) {
            // The stream is open: close it, so no half-opened session waits on the entry shard.
            call.cancel("the session could not be set off", e);
            throw e;
        }
        return new Generation() {
            @Override
            public String sessionId() {
                return sessionId;
            }

            @Override
            public void cancel() {
                call.cancel("cancelled by the client", null);
            }
        };
    }

    private void send(ClientCallStreamObserver<StreamSessionRequest> call, String sessionId, Request request,
            Hop entry) {
        call.onNext(StreamSessionRequest.newBuilder().setOpen(OpenSession.newBuilder()
                .setSessionId(sessionId)
                .setRequestId(request.requestId())
                .setModelId(request.modelId())
                .setLayerStart(entry.getLayerStart())
                .setLayerEnd(entry.getLayerEnd())
                .setTotalLayers(request.totalLayers())
                .addAllDownstream(request.hops().subList(1, request.hops().size()))
                .setMaxTokens(request.maxTokens())
                .setSampling(request.sampling())
                .setPromptTokens(request.prompt().length)
                .setTicket(tickets.sign(sessionId, request.requestId(), request.modelId(), request.totalLayers(),
                        request.hops(), request.maxTokens(), request.prompt().length))).build());
        int[] prompt = request.prompt();
        for (int start = 0, chunk = 0; start < prompt.length || chunk == 0; start += PROMPT_CHUNK_TOKENS, chunk++) {
            int end = Math.min(prompt.length, start + PROMPT_CHUNK_TOKENS);
            call.onNext(StreamSessionRequest.newBuilder().setPrompt(PromptChunk.newBuilder()
                    .setSessionId(sessionId)
                    .setStartPosition(start)
                    .addAllTokenIds(Arrays.stream(prompt, start, end).boxed().toList())
                    .setChunkIndex(chunk)
                    .setLastChunk(end == prompt.length)).build());
        }
        call.onCompleted();
    }

    /** Runs a session to its end and returns what it sent. */
    public Result generate(Request request, long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException {
        CompletableFuture<Result> done = new CompletableFuture<>();
        List<GeneratedToken> tokens = new ArrayList<>();
        Generation generation = start(request, new Listener() {
            @Override
            public void token(GeneratedToken token) {
                tokens.add(token);
            }

            @Override
            public void finished(SessionSummary summary) {
                done.complete(new Result(List.copyOf(tokens), summary));
            }

            @Override
            public void failed(Status status) {
                done.completeExceptionally(status.asRuntimeException());
            }
        });
        try {
            return done.get(timeout, unit);
        } catch (ExecutionException e) {
            throw (StatusRuntimeException) e.getCause();
        } catch (TimeoutException | InterruptedException e) {
            generation.cancel();
            throw e;
        }
    }

    private static final class Responses implements ClientResponseObserver<StreamSessionRequest, StreamSessionResponse> {

        private final Listener listener;
        private ClientCallStreamObserver<StreamSessionRequest> call;
        private boolean finished;

        Responses(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamSessionRequest> requests) {
            call = requests;
        }

        @Override
        public void onNext(StreamSessionResponse response) {
            switch (response.getFrameCase()) {
                case OPENED -> listener.opened();
                case TOKEN -> listener.token(response.getToken());
                case SUMMARY -> {
                    finished = true;
                    listener.finished(response.getSummary());
                }
                case FRAME_NOT_SET -> {
                }
            }
        }

        @Override
        public void onError(Throwable error) {
            if (!finished) {
                listener.failed(Status.fromThrowable(error));
            }
        }

        @Override
        public void onCompleted() {
            if (!finished) {
                listener.failed(Status.INTERNAL.withDescription("the entry shard ended the call without a summary"));
            }
        }
    }
}
