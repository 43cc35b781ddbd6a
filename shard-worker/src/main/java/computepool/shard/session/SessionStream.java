package computepool.shard.session;

import computepool.shard.client.ShardChannels;
import computepool.shard.engine.HiddenStates;
import computepool.shard.engine.KvCache;
import computepool.shard.engine.Logits;
import computepool.shard.engine.ShardEngine;
import computepool.shard.engine.ShardOutput;
import computepool.shard.engine.Tokens;
import computepool.gguf.tokenizer.StreamDecoder;
import computepool.gguf.tokenizer.Tokenizer;
import computepool.shard.v1.DType;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.Hop;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.PromptChunk;
import computepool.shard.v1.SessionOpened;
import computepool.shard.v1.SessionSummary;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.ShardTiming;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * One session on one shard, driven by the frames of one {@code StreamSession} call. Computation
 * runs on the session's own thread, in arrival order; frames from upstream and tokens from
 * downstream only enqueue work. The KV cache is freed on that thread too, after any step in
 * flight, whether the session finished, was cancelled, failed or sat idle.
 */
final class SessionStream implements StreamObserver<StreamSessionRequest> {

    private static final Logger LOG = Logger.getLogger(SessionStream.class);

    private final ShardEngine engine;
    private final Tokenizer tokenizer;
    private final KvSessions sessions;
    private final ShardChannels channels;
    private final SessionTickets tickets;
    private final String modelId;
    private final String workerId;
    private final StreamObserver<StreamSessionResponse> upstream;
    private final ExecutorService compute;

    private volatile long lastActivity = System.nanoTime();
    private volatile boolean ended;
    private OpenSession open;
    private String id = "";
    private KvCache cache;
    private int reservedTokens;
    private Sampler sampler;
    private StreamDecoder decoder;
    private StopSequences stops;
    private ClientCallStreamObserver<StreamSessionRequest> downstream;
    private int promptReceived;
    private int generated;
    private long servedNanos;

    SessionStream(ShardEngine engine, Tokenizer tokenizer, KvSessions sessions, ShardChannels channels,
            SessionTickets tickets, String modelId, String workerId, StreamObserver<StreamSessionResponse> upstream) {
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.sessions = sessions;
        this.channels = channels;
        this.tickets = tickets;
        this.modelId = modelId;
        this.workerId = workerId;
        this.upstream = upstream;
        this.compute = Executors.newSingleThreadExecutor(
                runnable -> Thread.ofPlatform().daemon().name("shard-session").unstarted(runnable));
    }

    String id() {
        return id;
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    @Override
    public void onNext(StreamSessionRequest request) {
        lastActivity = System.nanoTime();
        if (ended) {
            return;
        }
        try {
            switch (request.getFrameCase()) {
                case OPEN -> open(request.getOpen());
                case PROMPT -> {
                    PromptChunk chunk = request.getPrompt();
                    requireOpen("PromptChunk", chunk.getSessionId());
                    if (!engine.isEntry()) {
                        throw invalid("layers " + engine.range() + " take HiddenStates, not PromptChunk");
                    }
                    enqueue(() -> prompt(chunk));
                }
                case HIDDEN_STATES -> {
                    computepool.shard.v1.HiddenStates hidden = request.getHiddenStates();
                    requireOpen("HiddenStates", hidden.getSessionId());
                    if (engine.isEntry()) {
                        throw invalid("layers " + engine.range() + " take PromptChunk, not HiddenStates");
                    }
                    enqueue(() -> hidden(hidden));
                }
                case CANCEL -> {
                    requireOpen("CancelSession", request.getCancel().getSessionId());
                    cancel("cancelled by the caller");
                }
                case FRAME_NOT_SET -> throw invalid("a StreamSessionRequest must carry a frame");
            }
        } catch (StatusException e) {
            fail(e);
        }
    }

    /** The caller cancelled the call or went away: the session ends on every shard downstream. */
    @Override
    public void onError(Throwable cause) {
        if (!ended) {
            LOG.debugf("session %s: upstream ended the call: %s", id, cause.getMessage());
            end(null);
        }
    }

    /** Upstream half-closed after sending its input; the session runs on. */
    @Override
    public void onCompleted() {
    }

    /** Ends the session with a CANCELLED summary upstream. */
    void cancel(String why) {
        if (!ended) {
            LOG.debugf("session %s: %s", id, why);
            end(summary(FinishReason.FINISH_REASON_CANCELLED));
        }
    }

    void expire(Duration timeout) {
        fail(Status.DEADLINE_EXCEEDED.withDescription("session " + id + " received nothing for " + timeout)
                .asException());
    }

    private void open(OpenSession frame) throws StatusException {
        if (open != null) {
            throw invalid("the session is already open; OpenSession comes once");
        }
        // Before anything else: a caller without the session's ticket learns nothing about what this worker serves.
        tickets.authorize(frame);
        String problem = problem(frame);
        if (problem != null) {
            throw invalid(problem);
        }
        id = frame.getSessionId();
        reservedTokens = Math.min(frame.getPromptTokens() + frame.getMaxTokens(), engine.spec().contextLength());
        sessions.admit(this, reservedTokens);
        open = frame;
        try {
            cache = engine.newCache(reservedTokens);
        } catch (Exception | OutOfMemoryError e) {
            sessions.release(this, reservedTokens);
            throw Status.RESOURCE_EXHAUSTED.withDescription("no memory for a KV cache of " + reservedTokens
                    + " positions: " + e.getMessage()).asException();
        }
        if (engine.isExit()) {
            sampler = new Sampler(frame.getSampling());
            decoder = new StreamDecoder(tokenizer);
            stops = new StopSequences(frame.getSampling().getStopList());
            send(StreamSessionResponse.newBuilder()
                    .setOpened(SessionOpened.newBuilder().setSessionId(id).setWorkerId(workerId)).build());
        } else {
            openDownstream(frame);
        }
    }

    private String problem(OpenSession frame) {
        int layers = engine.spec().layerCount();
        if (frame.getSessionId().isBlank()) {
            return "open.session_id must not be blank";
        }
        if (!frame.getModelId().equals(modelId)) {
            return "open.model_id " + frame.getModelId() + " is not served here; this worker serves " + modelId;
        }
        if (frame.getLayerStart() != engine.range().start() || frame.getLayerEnd() != engine.range().end()) {
            return "open asks for layers [" + frame.getLayerStart() + ", " + frame.getLayerEnd()
                    + "); this worker serves " + engine.range();
        }
        if (frame.getTotalLayers() != layers) {
            return "open.total_layers is " + frame.getTotalLayers() + "; the model has " + layers;
        }
        if (frame.getPromptTokens() <= 0) {
            return "open.prompt_tokens must be positive: an empty prompt has nothing to continue";
        }
        if (frame.getPromptTokens() >= engine.spec().contextLength()) {
            return "open.prompt_tokens " + frame.getPromptTokens() + " leaves no room in the context of "
                    + engine.spec().contextLength() + " tokens";
        }
        if (frame.getMaxTokens() <= 0) {
            return "open.max_tokens must be positive, is " + frame.getMaxTokens();
        }
        String sampling = Sampler.problem(frame.getSampling());
        if (sampling != null) {
            return "open." + sampling;
        }
        List<Hop> hops = frame.getDownstreamList();
        if (engine.isExit() != hops.isEmpty()) {
            return engine.isExit() ? "open.downstream must be empty at the exit shard"
                    : "open.downstream must name the shards after layer " + engine.range().end();
        }
        int next = engine.range().end();
        for (int i = 0; i < hops.size(); i++) {
            Hop hop = hops.get(i);
            if (hop.getLayerStart() != next || hop.getLayerEnd() <= hop.getLayerStart()) {
                return "open.downstream[" + i + "] covers [" + hop.getLayerStart() + ", " + hop.getLayerEnd()
                        + "); it must start at layer " + next;
            }
            if (hop.getAddress().isBlank()) {
                return "open.downstream[" + i + "].address must not be blank";
            }
            next = hop.getLayerEnd();
        }
        if (!hops.isEmpty() && next != layers) {
            return "open.downstream ends at layer " + next + ", not at the model's " + layers;
        }
        return null;
    }

    private void openDownstream(OpenSession frame) {
        Hop next = frame.getDownstream(0);
        OpenSession forwarded = frame.toBuilder()
                .setLayerStart(next.getLayerStart())
                .setLayerEnd(next.getLayerEnd())
                .clearDownstream()
                .addAllDownstream(frame.getDownstreamList().subList(1, frame.getDownstreamCount()))
                .build();
        ShardServiceGrpc.newStub(channels.get(next.getAddress())).streamSession(new Downstream(next));
        sendDownstream(StreamSessionRequest.newBuilder().setOpen(forwarded).build());
    }

    private void prompt(PromptChunk chunk) throws Exception {
        if (chunk.getStartPosition() != cache.length()) {
            throw invalid("prompt.start_position is " + chunk.getStartPosition() + "; the session holds "
                    + cache.length() + " tokens");
        }
        promptReceived += chunk.getTokenIdsCount();
        if (promptReceived > open.getPromptTokens()) {
            throw invalid("the prompt has more tokens than open.prompt_tokens " + open.getPromptTokens());
        }
        int[] ids = chunk.getTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
        ShardOutput output = step(new Tokens(ids));
        boolean complete = chunk.getLastChunk();
        if (complete && promptReceived != open.getPromptTokens()) {
            throw invalid("the prompt ended after " + promptReceived + " tokens; open.prompt_tokens said "
                    + open.getPromptTokens());
        }
        forwardOrSample(output, chunk.getStartPosition(), chunk.getChunkIndex(), complete);
    }

    private void hidden(computepool.shard.v1.HiddenStates frame) throws Exception {
        int hiddenSize = engine.spec().hiddenSize();
        if (frame.getDtype() != DType.DTYPE_FP32) {
            throw invalid("hidden_states.dtype " + frame.getDtype() + " is not supported; send DTYPE_FP32");
        }
        if (frame.getHiddenSize() != hiddenSize) {
            throw invalid("hidden_states.hidden_size is " + frame.getHiddenSize() + "; the model's is " + hiddenSize);
        }
        if (frame.getTokenCount() <= 0
                || frame.getData().size() != (long) frame.getTokenCount() * hiddenSize * Float.BYTES) {
            throw invalid("hidden_states.data holds " + frame.getData().size() + " bytes; " + frame.getTokenCount()
                    + " tokens of " + hiddenSize + " fp32 values take "
                    + (long) frame.getTokenCount() * hiddenSize * Float.BYTES);
        }
        if (frame.getStartPosition() != cache.length()) {
            throw invalid("hidden_states.start_position is " + frame.getStartPosition() + "; the session holds "
                    + cache.length() + " tokens");
        }
        FloatBuffer values = frame.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ShardOutput output = step(new HiddenStates(values, frame.getTokenCount()));
        forwardOrSample(output, frame.getStartPosition(), frame.getChunkIndex(), frame.getLastChunk());
    }

    private ShardOutput step(computepool.shard.engine.ShardInput input) throws Exception {
        long started = System.nanoTime();
        try {
            return engine.step(cache, input);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        } finally {
            servedNanos += System.nanoTime() - started;
        }
    }

    private void forwardOrSample(ShardOutput output, int startPosition, int chunkIndex, boolean lastChunk)
            throws Exception {
        switch (output) {
            case HiddenStates hidden -> {
                ByteBuffer bytes = ByteBuffer.allocate(hidden.values().remaining() * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(hidden.values().duplicate());
                sendDownstream(StreamSessionRequest.newBuilder().setHiddenStates(
                        computepool.shard.v1.HiddenStates.newBuilder()
                                .setSessionId(id)
                                .setStartPosition(startPosition)
                                .setTokenCount(hidden.tokens())
                                .setHiddenSize(engine.spec().hiddenSize())
                                .setDtype(DType.DTYPE_FP32)
                                .setData(ByteString.copyFrom(bytes.array()))
                                .setChunkIndex(chunkIndex)
                                .setLastChunk(lastChunk))
                        .build());
            }
            case Logits logits -> {
                if (lastChunk) {
                    sample(logits);
                }
            }
        }
    }

    /** Exit shard: picks the next token, sends it up, and finishes or (as the only shard) decodes on. */
    private void sample(Logits logits) throws Exception {
        Sampler.Choice choice = sampler.next(logits.values());
        generated++;
        int position = cache.length();
        FinishReason finish = FinishReason.FINISH_REASON_UNSPECIFIED;
        String text;
        if (tokenizer.specialIds().eos().orElse(-1) == choice.token() && !open.getSampling().getIgnoreEos()) {
            finish = FinishReason.FINISH_REASON_STOP;
            text = stops.flush(decoder.finish());
        } else {
            StopSequences.Result result = stops.accept(decoder.next(choice.token()));
            text = result.text();
            if (result.matched()) {
                finish = FinishReason.FINISH_REASON_STOP_SEQUENCE;
            } else if (generated >= open.getMaxTokens() || cache.remaining() == 0) {
                finish = FinishReason.FINISH_REASON_LENGTH;
                text += stops.flush(decoder.finish());
            }
        }
        send(StreamSessionResponse.newBuilder().setToken(GeneratedToken.newBuilder()
                .setSessionId(id)
                .setTokenId(choice.token())
                .setPosition(position)
                .setText(text)
                .setFinishReason(finish)
                .setLogprob(choice.logprob())
                .addAllTopLogprobs(choice.top())).build());
        if (finish != FinishReason.FINISH_REASON_UNSPECIFIED) {
            end(summary(finish));
        } else if (engine.isEntry()) {
            int token = choice.token();
            enqueue(() -> decode(token));
        }
    }

    /** Entry shard: embeds the token the exit just sampled and runs the next step. */
    private void decode(int token) throws Exception {
        int position = cache.length();
        forwardOrSample(step(new Tokens(new int[] {token})), position, 0, true);
    }

    private StreamSessionResponse summary(FinishReason finish) {
        return StreamSessionResponse.newBuilder().setSummary(SessionSummary.newBuilder()
                .setSessionId(id)
                .setFinishReason(finish)
                .setPromptTokens(open == null ? 0 : open.getPromptTokens())
                .setCompletionTokens(generated)
                .addShards(timing())).build();
    }

    private ShardTiming timing() {
        return ShardTiming.newBuilder()
                .setWorkerId(workerId)
                .setLayerStart(engine.range().start())
                .setLayerEnd(engine.range().end())
                .setServedMillis(servedNanos / 1_000_000)
                .build();
    }

    /**
     * Ends the session once: sends {@code last} upstream (a summary) and completes the call, or
     * leaves the call as it is when {@code last} is null (the caller already went away); cancels
     * downstream unless it finished; frees the cache after any step in flight.
     */
    private void end(StreamSessionResponse last) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        if (last != null) {
            send(last);
            synchronized (upstream) {
                upstream.onCompleted();
            }
        }
        ClientCallStreamObserver<StreamSessionRequest> next = downstream;
        if (next != null) {
            if (last != null && last.hasSummary() && last.getSummary().getFinishReason()
                    != FinishReason.FINISH_REASON_CANCELLED) {
                synchronized (next) {
                    next.onCompleted();
                }
            } else {
                next.cancel("the session ended upstream", null);
            }
        }
        release();
    }

    private void fail(StatusException error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        LOG.debugf("session %s failed: %s", id, error.getMessage());
        synchronized (upstream) {
            upstream.onError(error);
        }
        if (downstream != null) {
            downstream.cancel("the session failed upstream: " + error.getStatus().getDescription(), null);
        }
        release();
    }

    private void release() {
        Runnable free = () -> {
            if (cache != null) {
                cache.close();
            }
            if (open != null) {
                sessions.release(this, reservedTokens);
            }
        };
        try {
            compute.execute(free);
        } catch (RejectedExecutionException e) {
            free.run();
        }
        compute.shutdown();
    }

    private void requireOpen(String frame, String sessionId) throws StatusException {
        if (open == null) {
            throw invalid(frame + " before OpenSession");
        }
        if (!sessionId.equals(id)) {
            throw Status.NOT_FOUND.withDescription(frame + " names session '" + sessionId
                    + "', which is not open on this stream; it carries session " + id).asException();
        }
    }

    private void send(StreamSessionResponse response) {
        synchronized (upstream) {
            upstream.onNext(response);
        }
    }

    private void sendDownstream(StreamSessionRequest request) {
        synchronized (downstream) {
            downstream.onNext(request);
        }
    }

    /** Queues work for the compute thread; after the session ended there is none to do. */
    private void enqueue(Work work) {
        try {
            compute.execute(() -> run(work));
        } catch (RejectedExecutionException e) {
            // the session ended between the check and the queueing
        }
    }

    /** A unit of session work on the compute thread; skipped once the session ended. */
    private void run(Work work) {
        if (ended) {
            return;
        }
        try {
            work.run();
            // A lone shard decodes without any frame arriving; computing is activity too.
            lastActivity = System.nanoTime();
        } catch (StatusException e) {
            fail(e);
        } catch (Exception | OutOfMemoryError e) {
            LOG.errorf(e, "session %s failed on layers %s", id, engine.range());
            fail(Status.INTERNAL.withDescription("layers " + engine.range() + " failed: " + e).asException());
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static StatusException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asException();
    }

    /** Responses of the next shard: relayed upstream; the entry also decodes each new token. */
    private final class Downstream implements ClientResponseObserver<StreamSessionRequest, StreamSessionResponse> {

        private final Hop hop;

        Downstream(Hop hop) {
            this.hop = hop;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamSessionRequest> requests) {
            downstream = requests;
        }

        @Override
        public void onNext(StreamSessionResponse response) {
            lastActivity = System.nanoTime();
            if (ended) {
                return;
            }
            switch (response.getFrameCase()) {
                case OPENED -> send(StreamSessionResponse.newBuilder().setOpened(
                        SessionOpened.newBuilder().setSessionId(id).setWorkerId(workerId)).build());
                case TOKEN -> {
                    send(response);
                    GeneratedToken token = response.getToken();
                    if (engine.isEntry() && token.getFinishReason() == FinishReason.FINISH_REASON_UNSPECIFIED) {
                        enqueue(() -> decode(token.getTokenId()));
                    }
                }
                case SUMMARY -> {
                    // The summary waits for this shard's own work to drain, so its timing is complete.
                    SessionSummary summary = response.getSummary();
                    enqueue(() -> end(StreamSessionResponse.newBuilder()
                            .setSummary(summary.toBuilder().addShards(timing())).build()));
                }
                case FRAME_NOT_SET -> {
                }
            }
        }

        @Override
        public void onError(Throwable cause) {
            if (!ended) {
                Status status = Status.fromThrowable(cause);
                fail(Status.fromCode(status.getCode() == Status.Code.CANCELLED ? Status.Code.UNAVAILABLE
                                : status.getCode())
                        .withDescription("shard " + hop.getWorkerId() + " at " + hop.getAddress() + " (layers ["
                                + hop.getLayerStart() + ", " + hop.getLayerEnd() + ")): " + status.getDescription())
                        .asException());
            }
        }

        @Override
        public void onCompleted() {
        }
    }

}
