package computepool.gateway.billing;

import computepool.billing.v1.Hold;
import computepool.billing.v1.HoldService;
import computepool.billing.v1.InsufficientFunds;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.QuoteResponse;
import computepool.billing.v1.SettleHoldRequest;
import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.auth.Caller;
import computepool.gateway.config.GatewayConfig;
import computepool.usage.v1.InferenceUsage;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Funds held at billing-svc for each request before it runs: its prompt and every completion token it may generate,
 * at the model's price. A caller whose wallets cannot cover that gets 402 {@code insufficient_quota}; afterwards the
 * hold is settled with the request's usage, so the developer pays what was used and the rest is free again at once.
 * Settling is not on the client's path: should it fail, the usage event charges the request all the same and the
 * hold lapses at its expiry.
 */
@ApplicationScoped
public class Holds {

    private static final Logger LOG = Logger.getLogger(Holds.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    private static final int SETTLE_ATTEMPTS = 3;
    private static final BigDecimal NANO_USD_PER_USD = BigDecimal.valueOf(1_000_000_000);

    /** Between a session's deadline and its settlement: usage is recorded and the hold settled in this time. */
    static final Duration SETTLING_TIME = Duration.ofMinutes(1);

    private final HoldService billing;
    private final Duration holdFor;

    public Holds(@GrpcClient("billing") HoldService billing, GatewayConfig config) {
        this.billing = billing;
        this.holdFor = config.maxSessionDuration().plus(SETTLING_TIME);
    }

    /** Holds the request's maximum cost, or fails with the answer the client should get. */
    public Uni<Hold> place(String requestId, Caller caller, String modelId, long promptTokens,
            long maxCompletionTokens) {
        PlaceHoldRequest.Builder request = PlaceHoldRequest.newBuilder()
                .setRequestId(requestId)
                .setModelId(modelId)
                .setPromptTokens(promptTokens)
                .setMaxCompletionTokens(maxCompletionTokens)
                // The hold lasts as long as the session may run, and the settling after.
                .setHoldSeconds(holdFor.toSeconds());
        caller.developerId().ifPresentOrElse(request::setDeveloperId,
                () -> request.setKeycloakSubject(caller.keycloakSubject().orElseThrow()));
        return billing.placeHold(request.build())
                // A per-call limit: a deadline configured on the client would count from the client's creation.
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .onFailure().transform(failure -> unavailable(modelId, failure))
                .map(answer -> {
                    if (answer.hasInsufficientFunds()) {
                        throw insufficientQuota(answer.getInsufficientFunds());
                    }
                    return answer.getHold();
                });
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

    /** Charges the usage against its hold, in the background. */
    public void settle(Hold hold, InferenceUsage usage) {
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

    private static OpenAiException insufficientQuota(InsufficientFunds funds) {
        return new OpenAiException(Response.Status.PAYMENT_REQUIRED, "You exceeded your current quota: this request "
                + "may cost up to " + usd(funds.getRequiredNanoUsd()) + " USD (its prompt and max_tokens at the "
                + "model's price) and your wallets can spend " + usd(funds.getAvailableNanoUsd()) + " USD on "
                + funds.getMeter() + ". Top up your wallet, or ask for fewer max_tokens.", "insufficient_quota",
                null, "insufficient_quota");
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
