package computepool.gateway.billing;

import computepool.billing.v1.Hold;
import computepool.billing.v1.HoldService;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.QuoteResponse;
import computepool.billing.v1.SettleHoldRequest;
import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.auth.Caller;
import computepool.gateway.config.GatewayConfig;
import computepool.gateway.inference.OwnTime;
import computepool.usage.v1.InferenceUsage;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Funds held for each request before it runs: its prompt and every completion token it may generate, at the model's
 * price. The request is admitted out of this gateway's lease of the developer's funds ({@link FundsLeases}), in
 * memory; its hold is then placed at billing-svc out of that lease, off the client's path, and settled with the
 * request's usage, so the developer pays what was used and the rest is free again at once. A caller whose funds
 * cannot cover the request gets 402 {@code insufficient_quota}. Settling is not on the client's path either: should
 * it fail, the usage event charges the request all the same and the hold lapses at its expiry.
 */
@ApplicationScoped
public class Holds {

    private static final Logger LOG = Logger.getLogger(Holds.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    private static final int SETTLE_ATTEMPTS = 3;
    private static final int PLACE_ATTEMPTS = 3;
    private static final BigDecimal NANO_USD_PER_USD = BigDecimal.valueOf(1_000_000_000);
    /** billing-svc's meter of inference requests. */
    private static final String INFERENCE_METER = "inference.tokens";

    /** Between a session's deadline and its settlement: usage is recorded and the hold settled in this time. */
    static final Duration SETTLING_TIME = Duration.ofMinutes(1);

    private final HoldService billing;
    private final FundsLeases leases;
    private final ModelPrices prices;
    private final OwnTime ownTime;
    private final Duration holdFor;

    @Inject
    public Holds(@GrpcClient("billing") HoldService billing, FundsLeases leases, ModelPrices prices,
            OwnTime ownTime, GatewayConfig config) {
        this(billing, leases, prices, ownTime, config.maxSessionDuration().plus(SETTLING_TIME));
    }

    Holds(HoldService billing, FundsLeases leases, ModelPrices prices, OwnTime ownTime, Duration holdFor) {
        this.billing = billing;
        this.leases = leases;
        this.prices = prices;
        this.ownTime = ownTime;
        this.holdFor = holdFor;
    }

    /**
     * A request admitted against its developer's funds: {@code hold} is its hold at billing, being placed (empty
     * when billing could not place it: its usage is then charged from what the developer has when it arrives).
     */
    public record Admitted(String requestId, long amountNanoUsd, Uni<Optional<Hold>> hold) {
    }

    /**
     * Admits the request against the caller's lease, holding its most cost, or fails with the answer the client
     * should get. Its hold is being placed when this answers.
     */
    public Uni<Admitted> admit(String requestId, Caller caller, String modelId, long promptTokens,
            long maxCompletionTokens) {
        return prices.of(modelId)
                .onFailure().transform(failure -> unavailable(modelId, failure))
                .chain(price -> {
                    long amount = price.maxCost(promptTokens, maxCompletionTokens);
                    return leases.take(caller, amount)
                            .onFailure(FundsLeases.Refused.class).transform(refused -> insufficientQuota(amount,
                                    ((FundsLeases.Refused) refused).funds().getAvailableNanoUsd()
                                            + leases.unallocated(caller)))
                            .onFailure(failure -> !(failure instanceof OpenAiException))
                            .transform(failure -> unavailable(modelId, failure))
                            .map(taken -> new Admitted(requestId, amount,
                                    placed(requestId, caller, modelId, promptTokens, maxCompletionTokens, taken)));
                });
    }

    /** The request's hold, placed out of the lease it was admitted against; started at once, answered once. */
    private Uni<Optional<Hold>> placed(String requestId, Caller caller, String modelId, long promptTokens,
            long maxCompletionTokens, FundsLeases.Taken taken) {
        PlaceHoldRequest.Builder request = PlaceHoldRequest.newBuilder()
                .setRequestId(requestId)
                .setModelId(modelId)
                .setPromptTokens(promptTokens)
                .setMaxCompletionTokens(maxCompletionTokens)
                // The hold lasts as long as the session may run, and the settling after.
                .setHoldSeconds(holdFor.toSeconds())
                .setLeaseId(taken.leaseId().toString());
        caller.payer(request::setDeveloperId, request::setKeycloakSubject);
        long asked = System.nanoTime();
        Uni<Optional<Hold>> hold = billing.placeHold(request.build())
                .ifNoItem().after(ANSWER_WITHIN).fail()
                // Placing again is safe: billing answers a request's existing hold.
                .onFailure(Holds::worthRetrying).retry().withBackOff(Duration.ofMillis(50)).atMost(PLACE_ATTEMPTS - 1)
                .map(answer -> {
                    if (answer.hasInsufficientFunds()) {
                        // Only when the model's price rose since it was read: the lease had the old amount.
                        LOG.warnf("Request %s was admitted but its hold was refused (%d nano-USD required, %d "
                                + "available): it runs unheld", requestId,
                                answer.getInsufficientFunds().getRequiredNanoUsd(),
                                answer.getInsufficientFunds().getAvailableNanoUsd());
                        taken.placed(false);
                        return Optional.<Hold>empty();
                    }
                    taken.placed(answer.getHold().getLeaseId().equals(taken.leaseId().toString()));
                    ownTime.holdPlaced(System.nanoTime() - asked);
                    return Optional.of(answer.getHold());
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("The hold of request %s was not placed (%s): its usage event charges it",
                            requestId, failure.getMessage());
                    taken.placed(false);
                    return Optional.empty();
                })
                .memoize().indefinitely();
        // Started on another thread: even starting the call is no part of the request's admission.
        Infrastructure.getDefaultExecutor().execute(() -> hold.subscribe().with(ignored -> { }));
        return hold;
    }

    /**
     * The most the request can cost at the model's price now, holding nothing: what a caller paying per request is
     * asked for. Fails with the answer the client should get when billing cannot say.
     */
    public Uni<Long> quote(String modelId, long promptTokens, long maxCompletionTokens) {
        return billing.quote(QuoteRequest.newBuilder()
                        .setModelId(modelId)
                        .setPromptTokens(promptTokens)
                        .setMaxCompletionTokens(maxCompletionTokens)
                        .build())
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .onFailure().transform(failure -> unavailable(modelId, failure))
                .map(QuoteResponse::getMaxCostNanoUsd);
    }

    /**
     * Once the request's hold is placed (or given up on), publishes its usage with {@code publishUsage} and charges
     * the usage against the hold, in the background: the usage event never reaches billing before the hold, so
     * billing charges it at the hold's price whichever of the two arrives first.
     */
    public void settle(Admitted admitted, InferenceUsage usage, Runnable publishUsage) {
        admitted.hold().subscribe().with(hold -> {
            publishUsage.run();
            hold.ifPresent(placed -> settle(placed, usage));
        });
    }

    private void settle(Hold hold, InferenceUsage usage) {
        billing.settleHold(SettleHoldRequest.newBuilder().setHoldId(hold.getHoldId()).setUsage(usage).build())
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .onFailure(Holds::worthRetrying).retry().withBackOff(Duration.ofMillis(100)).atMost(SETTLE_ATTEMPTS - 1)
                .subscribe().with(
                        settled -> LOG.debugf("Request %s charged %d nano-USD, %d released", usage.getRequestId(),
                                settled.getChargedNanoUsd(), settled.getReleasedNanoUsd()),
                        failure -> LOG.warnf("Hold %s of request %s was not settled (%s); its usage event charges the "
                                + "request and the hold lapses", hold.getHoldId(), usage.getRequestId(),
                                failure.getMessage()));
    }

    private static boolean worthRetrying(Throwable failure) {
        Status.Code code = Status.fromThrowable(failure).getCode();
        return code != Status.Code.INVALID_ARGUMENT && code != Status.Code.NOT_FOUND;
    }

    private static OpenAiException insufficientQuota(long required, long available) {
        return new OpenAiException(Response.Status.PAYMENT_REQUIRED, "You exceeded your current quota: this request "
                + "may cost up to " + usd(required) + " USD (its prompt and max_tokens at the model's price) and "
                + "your wallets can spend " + usd(available) + " USD on " + INFERENCE_METER + ". Top up "
                + "your wallet, or ask for fewer max_tokens.", "insufficient_quota", null, "insufficient_quota");
    }

    private static OpenAiException unavailable(String modelId, Throwable failure) {
        if (Status.fromThrowable(failure).getCode() == Status.Code.FAILED_PRECONDITION) {
            LOG.errorf("billing-svc has no price for served model %s: %s", modelId, failure.getMessage());
            return new OpenAiException(Response.Status.SERVICE_UNAVAILABLE, "The model '" + modelId
                    + "' has no price yet, so it cannot be billed; retry later.", OpenAiError.SERVER_ERROR, null,
                    "model_not_priced");
        }
        LOG.warnf(failure, "billing-svc could not place a hold or quote a price");
        return new OpenAiException(Response.Status.SERVICE_UNAVAILABLE, "Funds cannot be checked right now; retry "
                + "the request.", OpenAiError.SERVER_ERROR, null, "billing_unavailable");
    }

    private static String usd(long nanoUsd) {
        return BigDecimal.valueOf(nanoUsd).divide(NANO_USD_PER_USD).stripTrailingZeros().toPlainString();
    }
}
