package computepool.gateway.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.gateway.api.ChatCompletionRequest;
import computepool.gateway.api.ModelList;
import computepool.gateway.api.OpenAiErrors;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.api.TextCompletionRequest;
import computepool.gateway.auth.Caller;
import computepool.gateway.billing.Holds;
import computepool.gateway.auth.CallerAuthenticator;
import computepool.gateway.config.GatewayConfig;
import computepool.gateway.limits.FailedAttemptThrottle;
import computepool.gateway.limits.RateLimiter;
import computepool.gateway.models.ServedModel;
import computepool.gateway.models.ServedModels;
import computepool.gateway.usage.UsageEvents;
import computepool.gateway.usage.UsageRecorder;
import computepool.gateway.x402.VoucherPayments;
import computepool.shard.client.PipelineClient;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.Hop;
import computepool.usage.v1.InferenceUsage;
import computepool.workers.v1.Pipeline;
import computepool.workers.v1.Stage;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The OpenAI-compatible inference API: {@code GET /v1/models}, {@code POST /v1/chat/completions} and
 * {@code POST /v1/completions}. They are Vert.x routes rather than JAX-RS resources because a completion answers
 * either one JSON document or a server-sent event stream written token by token as the pipeline produces it, and a
 * client that disconnects must cancel the session on every shard at once.
 *
 * <p>A request goes: authentication (API key or access token; refused at once for an address that failed it too
 * often), body and parameters, model, prompt against the model's context, the key's or the login's rate limits, a
 * healthy pipeline from the worker registry, funds held for its maximum cost, then the session on the pipeline's entry
 * shard. On a route that takes x402 vouchers, a request without credentials instead pays its maximum cost with a
 * voucher, verified and settled before its session starts. However it ends, its usage is recorded once, its hold is
 * settled with that usage, and its completion tokens are counted; a request paid by voucher that answered no token
 * records nothing and leaves its voucher to a retry.
 */
@ApplicationScoped
public class OpenAiRoutes {

    /** Ahead of the JAX-RS handler, which would otherwise answer these paths with 404. */
    private static final int ORDER = RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT;
    static final String ECHO_PATH = "/v1/echo";
    /** Bodies up to this size are planned on the event loop (see {@link #planned}). */
    private static final int INLINE_PLAN_BYTES = 8 * 1024;

    private final CallerAuthenticator authenticator;
    private final FailedAttemptThrottle failedAttempts;
    private final ServedModels models;
    private final PipelineFinder pipelines;
    private final PipelineClient pipelineClient;
    private final ObjectMapper mapper;
    private final Validator validator;
    private final ErrorAnswers answers;
    private final RateLimiter limiter;
    private final UsageRecorder usage;
    private final Holds holds;
    private final OwnTime ownTime;
    private final GatewayConfig config;
    private final VoucherPayments vouchers;
    private final Clock clock;

    public OpenAiRoutes(CallerAuthenticator authenticator, FailedAttemptThrottle failedAttempts, ServedModels models,
            PipelineFinder pipelines, PipelineClient pipelineClient, ObjectMapper mapper, Validator validator,
            ErrorAnswers answers, RateLimiter limiter, UsageRecorder usage, Holds holds, OwnTime ownTime,
            GatewayConfig config, VoucherPayments vouchers, Clock clock) {
        this.authenticator = authenticator;
        this.failedAttempts = failedAttempts;
        this.models = models;
        this.pipelines = pipelines;
        this.pipelineClient = pipelineClient;
        this.mapper = mapper;
        this.validator = validator;
        this.answers = answers;
        this.limiter = limiter;
        this.usage = usage;
        this.holds = holds;
        this.ownTime = ownTime;
        this.config = config;
        this.vouchers = vouchers;
        this.clock = clock;
    }

    void register(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
        router.get("/v1/models").order(ORDER).handler(this::models);
        router.post("/v1/chat/completions").order(ORDER).handler(body)
                .handler(context -> complete(context, CompletionKind.CHAT)).failureHandler(this::bodyRefused);
        router.post("/v1/completions").order(ORDER).handler(body)
                .handler(context -> complete(context, CompletionKind.TEXT)).failureHandler(this::bodyRefused);
        if (config.echoRoute()) {
            router.post(ECHO_PATH).order(ORDER).handler(body).handler(this::echo).failureHandler(this::bodyRefused);
        }
        // Any other method on these paths: 405 naming the one they take, rather than the JAX-RS handler's 404.
        onlyAllowing(router, "/v1/models", "GET");
        onlyAllowing(router, "/v1/chat/completions", "POST");
        onlyAllowing(router, "/v1/completions", "POST");
    }

    private void onlyAllowing(Router router, String path, String method) {
        router.route(path).order(ORDER).handler(routing -> {
            routing.response().putHeader("Allow", method);
            answers.send(routing.response(), OpenAiErrors.methodNotAllowed(routing.request().method().name(), path));
        });
    }

    /** The body handler refuses a body over the limit with a bare 413: answer it in OpenAI's shape. */
    private void bodyRefused(RoutingContext routing) {
        if (routing.statusCode() == 413) {
            answers.send(routing.response(), OpenAiErrors.tooLarge(config.maxBodyBytes()));
        } else {
            routing.next();
        }
    }

    /** The benchmark's baseline: the same HTTP stack and body handling, answered at once with the body. */
    private void echo(RoutingContext routing) {
        long received = System.nanoTime();
        routing.response().putHeader("Content-Type", "application/json")
                .end(routing.body().buffer() == null ? Buffer.buffer() : routing.body().buffer())
                .onComplete(written -> ownTime.echo(System.nanoTime() - received));
    }

    private Uni<Caller> authenticated(RoutingContext routing) {
        return failedAttempts.guard(routing, () -> authenticator.authenticate(routing));
    }

    private void models(RoutingContext routing) {
        Context context = Vertx.currentContext();
        authenticated(routing)
                .chain(caller -> servedNow())
                .subscribe().with(
                        list -> context.runOnContext(ignored -> answers.json(routing.response(), 200, list)),
                        failure -> context.runOnContext(ignored -> answers.send(routing.response(), failure)));
    }

    /** The configured models that have a complete, healthy pipeline right now. */
    private Uni<ModelList> servedNow() {
        List<ServedModel> configured = List.copyOf(models.all());
        if (configured.isEmpty()) {
            return Uni.createFrom().item(ModelList.of(List.of()));
        }
        List<Uni<Boolean>> checks = configured.stream().map(model -> pipelines.serves(model.id())).toList();
        return Uni.join().all(checks).andFailFast().map(served -> {
            List<ModelList.Model> listed = new ArrayList<>();
            for (int i = 0; i < configured.size(); i++) {
                if (served.get(i)) {
                    ServedModel model = configured.get(i);
                    listed.add(new ModelList.Model(model.id(), "model", model.loadedAt().getEpochSecond(),
                            "computepool"));
                }
            }
            return ModelList.of(listed);
        });
    }

    private void complete(RoutingContext routing, CompletionKind kind) {
        // The request is received: headers and body are in.
        long received = System.nanoTime();
        Context context = Vertx.currentContext();
        Buffer body = routing.body().buffer();
        String requestId = UUID.randomUUID().toString().replace("-", "");
        Uni<Planned> ready = vouchers.offeredFor(routing) ? paidByVoucher(routing, requestId, body, kind)
                : authenticated(routing)
                        .chain(caller -> planned(body, kind)
                                .chain(completion -> limiter.admit(caller, completion.promptTokens().length)
                                        .chain(admission -> pipelines.find(completion.model().id())
                                                .chain(pipeline -> admitted(requestId, caller, completion)
                                                        .map(admitted -> new Planned(requestId, caller, completion,
                                                                admission, pipeline, Optional.of(admitted),
                                                                Optional.empty()))))));
        ready.subscribe().with(
                        planned -> context.runOnContext(ignored -> run(context, routing, planned, received)),
                        failure -> context.runOnContext(ignored -> answers.send(routing.response(), failure)));
    }

    /**
     * A caller without credentials on a route that takes vouchers: the payment is verified against the request's
     * quote, and settled once a pipeline is ready to run it. Such a caller has no rate limits and no hold: it paid the
     * most the request can cost already.
     */
    private Uni<Planned> paidByVoucher(RoutingContext routing, String requestId, Buffer body, CompletionKind kind) {
        return planned(body, kind)
                .chain(completion -> vouchers.verified(routing, completion)
                        .chain(verified -> pipelines.find(completion.model().id())
                                .chain(pipeline -> vouchers.settled(verified, requestId)
                                        .map(paid -> new Planned(requestId, paid.caller(), completion,
                                                RateLimiter.Admission.UNLIMITED, pipeline, Optional.empty(),
                                                Optional.of(paid))))));
    }

    private Uni<Holds.Admitted> admitted(String requestId, Caller caller, Completion completion) {
        long asked = System.nanoTime();
        return holds.admit(requestId, caller, completion.model().id(), completion.promptTokens().length,
                completion.maxTokens()).invoke(admitted -> ownTime.hold(System.nanoTime() - asked));
    }

    /**
     * Rendering the template and tokenizing take about 0.3 ms for a short prompt: done on the event loop, as a hop to
     * a worker thread would cost more than that on a busy machine. A long prompt could hold the event loop for many
     * milliseconds, so it is planned on a worker thread.
     */
    private Uni<Completion> planned(Buffer body, CompletionKind kind) {
        Uni<Completion> plan = Uni.createFrom().item(() -> plan(body, kind));
        return body != null && body.length() > INLINE_PLAN_BYTES
                ? plan.runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                : plan;
    }

    /**
     * @param hold            the funds held for a developer's request; none for one paid by voucher
     * @param paid            the settled voucher of a request paid by voucher
     */
    private record Planned(String requestId, Caller caller, Completion completion, RateLimiter.Admission admission,
            Pipeline pipeline, Optional<Holds.Admitted> hold, Optional<VoucherPayments.Paid> paid) {
    }

    private Completion plan(Buffer body, CompletionKind kind) {
        if (body == null || body.length() == 0) {
            throw OpenAiErrors.missingBody();
        }
        return switch (kind) {
            case CHAT -> {
                ChatCompletionRequest request = read(body, ChatCompletionRequest.class);
                yield CompletionPlanner.chat(request, model(request.model()), config.defaultMaxTokens());
            }
            case TEXT -> {
                TextCompletionRequest request = read(body, TextCompletionRequest.class);
                yield CompletionPlanner.text(request, model(request.model()));
            }
        };
    }

    private <T> T read(Buffer body, Class<T> type) {
        T request;
        try {
            request = mapper.readValue(body.getBytes(), type);
        } catch (JsonProcessingException e) {
            throw OpenAiErrors.unreadable(e);
        } catch (IOException e) {
            throw OpenAiErrors.missingBody();
        }
        if (request == null) {
            throw OpenAiErrors.missingBody();
        }
        Set<ConstraintViolation<T>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw OpenAiErrors.invalid(violations);
        }
        return request;
    }

    private ServedModel model(String id) {
        return models.find(id).orElseThrow(() -> OpenAiException.modelNotFound(id));
    }

    private void run(Context context, RoutingContext routing, Planned planned, long received) {
        Completion completion = planned.completion();
        String requestId = planned.requestId();
        List<Hop> hops = planned.pipeline().getStagesList().stream().map(OpenAiRoutes::hop).toList();
        PipelineClient.Request request = new PipelineClient.Request(requestId, completion.model().id(),
                planned.pipeline().getTotalLayers(), hops, completion.promptTokens(), completion.maxTokens(),
                completion.sampling());
        Instant startedAt = clock.instant();
        OpenAiAnswers shapes = new OpenAiAnswers(mapper, completion.kind(), completion.kind().idPrefix() + requestId,
                startedAt.getEpochSecond(), completion.model().id());
        long[] sent = new long[1];
        CompletionExchange exchange = new CompletionExchange(context, routing.response(), mapper, completion, shapes,
                answers, (ended, flushedNanos) -> {
                    limiter.completed(planned.admission(), ended.summary()
                            .map(summary -> summary.getCompletionTokens()).orElse(ended.tokensReceived()))
                            .subscribe().with(ignored -> { });
                    InferenceUsage used = UsageEvents.of(requestId, planned.caller(), completion.model().id(),
                            planned.pipeline().getStagesList(), ended.summary(), ended.reason(),
                            ended.started() ? completion.promptTokens().length : 0, ended.tokensReceived(),
                            startedAt, clock.instant());
                    Runnable publishUsage = () -> usage.record(planned.caller().accountKey(), used);
                    if (planned.paid().isPresent()) {
                        // A voucher pays for a request served; one that answered no token leaves it to a retry.
                        if (ended.tokensReceived() > 0 || ended.summary().isPresent()) {
                            publishUsage.run();
                        } else {
                            vouchers.unserved(planned.paid().get());
                        }
                    } else {
                        planned.hold().ifPresentOrElse(admitted -> holds.settle(admitted, used, publishUsage),
                                publishUsage);
                    }
                    if (ended.reason() == FinishReason.FINISH_REASON_ERROR) {
                        pipelines.forget(completion.model().id(), planned.pipeline());
                    } else if (ended.summary().isPresent() && ended.reason() != FinishReason.FINISH_REASON_CANCELLED) {
                        ownTime.completion(sent[0] - received, flushedNanos - ended.lastEventNanos());
                    }
                });
        planned.paid().map(VoucherPayments.Paid::receipt)
                .ifPresent(receipt -> routing.response().putHeader(receipt.header(), receipt.value()));
        exchange.start(pipelineClient, request);
        sent[0] = System.nanoTime();
    }

    private static Hop hop(Stage stage) {
        return Hop.newBuilder()
                .setWorkerId(stage.getWorkerId())
                .setAddress(stage.getAddress())
                .setLayerStart(stage.getLayerStart())
                .setLayerEnd(stage.getLayerEnd())
                .build();
    }
}
