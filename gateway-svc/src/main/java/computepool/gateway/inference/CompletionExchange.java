package computepool.gateway.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.shard.client.PipelineClient;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.GeneratedToken;
import computepool.shard.v1.SessionSummary;
import io.grpc.Status;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.Response;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One completion in flight: receives the session's events from the pipeline (on gRPC threads) and answers the client
 * on the request's Vert.x context, in order. A streamed answer starts once every shard holds the session, so a
 * pipeline that cannot open it still gets a proper error status; a client that goes away cancels the session on
 * every shard. However it ends (finished, failed, abandoned), {@link Ending} hears of it exactly once.
 */
final class CompletionExchange implements PipelineClient.Listener {

    private static final Logger LOG = Logger.getLogger(CompletionExchange.class);

    /**
     * How a session ended, for usage and limits.
     *
     * @param started whether the session was set off towards the pipeline at all; one that never was used nothing
     */
    record Ended(FinishReason reason, Optional<SessionSummary> summary, int tokensReceived, long lastEventNanos,
            boolean started) {
    }

    interface Ending {

        /** Once per exchange, on the request's context; {@code flushedNanos} is when the response was written out. */
        void ended(Ended ended, long flushedNanos);
    }

    private final Context context;
    private final HttpServerResponse response;
    private final ObjectMapper mapper;
    private final Completion completion;
    private final OpenAiAnswers answers;
    private final ErrorAnswers errors;
    private final Ending ending;
    private final StringBuilder text = new StringBuilder();
    private PipelineClient.Generation generation;
    // Touched only on the context's thread.
    private boolean started;
    private boolean done;
    private int tokensReceived;

    CompletionExchange(Context context, HttpServerResponse response, ObjectMapper mapper, Completion completion,
            OpenAiAnswers answers, ErrorAnswers errors, Ending ending) {
        this.context = context;
        this.response = response;
        this.mapper = mapper;
        this.completion = completion;
        this.answers = answers;
        this.errors = errors;
        this.ending = ending;
    }

    /**
     * Starts the session; call on the request's context. Returns when the session's frames are on their way. A client
     * already gone is not served at all; a session that cannot be set off is answered 502 at once.
     */
    void start(PipelineClient client, PipelineClient.Request request) {
        if (response.closed()) {
            // Gone while its hold was placed or its pipeline found: the close handler below would never hear of it.
            done = true;
            LOG.debugf("Client of request %s went away before its session started", request.requestId());
            long now = System.nanoTime();
            ending.ended(new Ended(FinishReason.FINISH_REASON_CANCELLED, Optional.empty(), 0, now, false), now);
            return;
        }
        response.closeHandler(closed -> {
            if (!done) {
                done = true;
                LOG.debugf("Client of request %s went away; cancelling its session", request.requestId());
                generation.cancel();
                long now = System.nanoTime();
                ending.ended(new Ended(FinishReason.FINISH_REASON_CANCELLED, Optional.empty(), tokensReceived,
                        now, true), now);
            }
        });
        try {
            generation = client.start(request, this);
        } catch (RuntimeException e) {
            LOG.errorf(e, "The session of request %s could not be started", request.requestId());
            done = true;
            fail(new OpenAiException(Response.Status.BAD_GATEWAY, "The gateway could not open a session on the "
                    + "pipeline serving '" + completion.model().id() + "'; retry the request.",
                    OpenAiError.SERVER_ERROR, null, "pipeline_unavailable"),
                    new Ended(FinishReason.FINISH_REASON_ERROR, Optional.empty(), 0, System.nanoTime(), false));
        }
    }

    @Override
    public void opened() {
        context.runOnContext(ignored -> {
            if (done || !completion.stream()) {
                return;
            }
            started = true;
            response.setStatusCode(200)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .setChunked(true);
            if (completion.kind() == CompletionKind.CHAT) {
                event(answers.roleChunk(completion.includeUsage()));
            }
        });
    }

    @Override
    public void token(GeneratedToken token) {
        context.runOnContext(ignored -> {
            if (done) {
                return;
            }
            tokensReceived++;
            if (completion.stream()) {
                if (!token.getText().isEmpty()) {
                    event(answers.textChunk(token.getText(), completion.includeUsage()));
                }
            } else {
                text.append(token.getText());
            }
        });
    }

    @Override
    public void finished(SessionSummary summary) {
        long arrived = System.nanoTime();
        context.runOnContext(ignored -> {
            if (done) {
                return;
            }
            done = true;
            Ended ended = new Ended(summary.getFinishReason(), Optional.of(summary), tokensReceived, arrived, true);
            if (summary.getFinishReason() == FinishReason.FINISH_REASON_ERROR
                    || summary.getFinishReason() == FinishReason.FINISH_REASON_CANCELLED) {
                fail(new OpenAiException(Response.Status.BAD_GATEWAY, "A shard worker failed while generating; "
                        + "retry the request.", OpenAiError.SERVER_ERROR, null, "shard_failed"), ended);
                return;
            }
            if (completion.stream()) {
                event(answers.finishChunk(summary.getFinishReason(), completion.includeUsage()));
                if (completion.includeUsage()) {
                    event(answers.usageChunk(summary.getPromptTokens(), summary.getCompletionTokens()));
                }
                response.end("data: [DONE]\n\n").onComplete(written -> ending.ended(ended, System.nanoTime()));
            } else {
                errors.json(response, 200, answers.completion(text.toString(), summary.getFinishReason(),
                        summary.getPromptTokens(), summary.getCompletionTokens()))
                        .onComplete(written -> ending.ended(ended, System.nanoTime()));
            }
        });
    }

    @Override
    public void failed(Status status) {
        long arrived = System.nanoTime();
        context.runOnContext(ignored -> {
            if (done) {
                return;
            }
            done = true;
            LOG.warnf("Session of a %s request failed: %s %s", completion.model().id(), status.getCode(),
                    status.getDescription());
            fail(new OpenAiException(Response.Status.SERVICE_UNAVAILABLE, "The pipeline serving '"
                    + completion.model().id() + "' failed (" + status.getCode() + "); retry the request.",
                    OpenAiError.SERVER_ERROR, null, "pipeline_failed"),
                    new Ended(FinishReason.FINISH_REASON_ERROR, Optional.empty(), tokensReceived, arrived, true));
        });
    }

    /** Before the stream started, an error status; after, an error event and the end of the stream. */
    private void fail(OpenAiException failure, Ended ended) {
        if (started) {
            event(mapper.valueToTree(failure.error()));
            response.end();
        } else {
            errors.send(response, failure);
        }
        ending.ended(ended, System.nanoTime());
    }

    private void event(ObjectNode chunk) {
        try {
            response.write("data: " + mapper.writeValueAsString(chunk) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
