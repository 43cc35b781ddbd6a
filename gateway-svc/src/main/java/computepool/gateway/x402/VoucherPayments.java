package computepool.gateway.x402;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.auth.Caller;
import computepool.auth.ServiceToken;
import computepool.gateway.billing.Holds;
import computepool.gateway.config.GatewayConfig;
import computepool.gateway.inference.Completion;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Requests paid one by one with x402 vouchers, on the routes configured for it, by callers without credentials. A
 * request without a payment is answered 402 with what it costs: its maximum cost at the model's price now (its prompt
 * and every completion token it may generate), in the token's smallest unit, rounded up; in version 1's body and in
 * version 2's {@code PAYMENT-REQUIRED} header. A payment comes as version 2's {@code PAYMENT-SIGNATURE} or version 1's
 * {@code X-PAYMENT}: payment-svc's facilitator verifies it against those same requirements, in its version; once a
 * pipeline is ready the payment is settled on chain, and only then does the completion run, so a streamed answer's
 * headers can carry the settlement ({@code PAYMENT-RESPONSE}, or {@code X-PAYMENT-RESPONSE} for version 1). The
 * request is billed at the quoted amount whatever it uses (the description says so); its operators are credited by
 * what it used.
 *
 * <p>The facilitator answers a repeated settlement of one authorization with its first transaction, so a voucher is
 * claimed here (in Redis, by payer and nonce) before it is settled: two requests racing with one voucher get one
 * answer, not two. The claim follows what became of the payment: released when the facilitator did not settle it
 * (no answer within its deadline, or a failed transfer) or when its request was not served (no token reached the
 * client), so a retry of the same request with the same voucher settles it again, which the facilitator answers with
 * the first transaction, and is served; kept as served otherwise, for as long as the authorization is valid, after
 * which the facilitator refuses it anyway.
 */
@ApplicationScoped
public class VoucherPayments {

    private static final Logger LOG = Logger.getLogger(VoucherPayments.class);
    /** The token has 6 decimals: its smallest unit is a micro-USD. */
    private static final long NANO_USD_PER_TOKEN_UNIT = 1_000;
    /** A settled voucher's claim outlives its authorization by this much, against clocks that disagree. */
    private static final Duration SERVED_CLAIM_MARGIN = Duration.ofMinutes(5);
    /** Deletes the claim only if it is still this request's. */
    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) else return 0 end";
    private static final String PAYMENT_MISSING = X402.PAYMENT_SIGNATURE_HEADER + " (x402 version 2) or "
            + X402.V1_PAYMENT_HEADER + " (version 1) header is required";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.LOWER_CAMEL_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * A payment the facilitator found valid for these requirements, not settled yet.
     *
     * @param request what the facilitator was asked, to be asked again to settle
     */
    public record Verified(Quote quote, X402.FacilitatorRequest request, String payer, String nonce,
            long validBefore) {

        String claim() {
            return "x402:claimed:" + payer.toLowerCase(Locale.ROOT) + ":" + nonce.toLowerCase(Locale.ROOT);
        }
    }

    /** The settlement's answer to the client: the header of the payment's version, and its value. */
    public record Receipt(String header, String value) {
    }

    /** A settled payment, claimed for {@code requestId} until it is served or not. */
    public record Paid(Caller caller, Receipt receipt, Verified verified, String requestId) {
    }

    private final GatewayConfig.X402 config;
    private final Holds holds;
    private final ReactiveRedisDataSource redis;
    private final ServiceToken serviceToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public VoucherPayments(GatewayConfig config, Holds holds, ReactiveRedisDataSource redis, ServiceToken serviceToken) {
        this.config = config.x402();
        this.holds = holds;
        this.redis = redis;
        this.serviceToken = serviceToken;
    }

    /** Whether the request may pay per request: vouchers are taken on its path and it carries no credentials. */
    public boolean offeredFor(RoutingContext routing) {
        String authorization = routing.request().getHeader("Authorization");
        return (authorization == null || authorization.isBlank())
                && config.routes().map(routes -> routes.contains(routing.normalizedPath())).orElse(false);
    }

    /**
     * The request's requirements, and its payment verified against them; fails with {@link PaymentRequiredException}
     * when there is no payment or it does not do.
     */
    public Uni<Verified> verified(RoutingContext routing, Completion completion) {
        String v2 = routing.request().getHeader(X402.PAYMENT_SIGNATURE_HEADER);
        String v1 = routing.request().getHeader(X402.V1_PAYMENT_HEADER);
        return quote(routing, completion).chain(quote -> {
            boolean hasV2 = v2 != null && !v2.isBlank();
            boolean hasV1 = v1 != null && !v1.isBlank();
            if (!hasV2 && !hasV1) {
                throw new PaymentRequiredException(quote, PAYMENT_MISSING);
            }
            if (hasV2 && hasV1) {
                throw new PaymentRequiredException(quote, "invalid_payload: send " + X402.PAYMENT_SIGNATURE_HEADER
                        + " or " + X402.V1_PAYMENT_HEADER + ", not both");
            }
            String header = hasV2 ? X402.PAYMENT_SIGNATURE_HEADER : X402.V1_PAYMENT_HEADER;
            int version = hasV2 ? X402.V2 : X402.V1;
            JsonNode payment = paymentDocument(hasV2 ? v2 : v1);
            if (payment == null || !payment.isObject()) {
                throw new PaymentRequiredException(quote, "invalid_payload: " + header
                        + " must be base64 of a JSON payment payload");
            }
            if (payment.path("x402Version").asInt(0) != version) {
                throw new PaymentRequiredException(quote, "invalid_x402_version: " + header + " carries version "
                        + version + " payments");
            }
            X402.FacilitatorRequest request = version == X402.V2
                    ? new X402.FacilitatorRequest(X402.V2, payloadV2(payment, quote), quote.v2())
                    : new X402.FacilitatorRequest(X402.V1, payment, quote.v1());
            JsonNode authorization = payment.path("payload").path("authorization");
            String payer = authorization.path("from").asText("");
            String nonce = authorization.path("nonce").asText("");
            long validBefore = authorization.path("validBefore").asLong(0);
            return facilitator("verify", request, X402.VerifyResponse.class, quote, config.facilitatorTimeout())
                    .map(answer -> {
                        if (!answer.isValid()) {
                            throw new PaymentRequiredException(quote, answer.invalidReason());
                        }
                        return new Verified(quote, request, payer, nonce, validBefore);
                    });
        });
    }

    /**
     * Settles the verified payment on chain for the request, waiting as long as the facilitator may; fails with
     * {@link PaymentRequiredException} when it cannot, leaving the voucher free for a retry.
     */
    public Uni<Paid> settled(Verified verified, String requestId) {
        String claim = verified.claim();
        Duration settleWait = settleWait();
        return redis.execute("SET", claim, requestId, "NX", "EX",
                        String.valueOf(settleWait.plus(config.settleMargin()).toSeconds()))
                .onFailure().transform(failure -> {
                    LOG.warnf(failure, "Redis could not claim a voucher");
                    return unavailable();
                })
                .chain(claimed -> {
                    if (claimed == null) {
                        // Served already, or being settled for another request right now.
                        throw new PaymentRequiredException(verified.quote(), "invalid_transaction_state");
                    }
                    return facilitator("settle", verified.request(), X402.SettleResponse.class, verified.quote(),
                            settleWait)
                            .onFailure().call(failure -> release(claim, requestId));
                })
                .chain(settled -> {
                    if (!settled.success()) {
                        LOG.warnf("Voucher of %s was not settled: %s (transaction %s)", verified.payer(),
                                settled.errorReason(), settled.transaction());
                        return release(claim, requestId).chain(() -> Uni.createFrom().<Paid>failure(
                                new PaymentRequiredException(verified.quote(), settled.errorReason())));
                    }
                    long paid = Math.multiplyExact(Long.parseLong(verified.quote().amount()), NANO_USD_PER_TOKEN_UNIT);
                    Caller caller = Caller.byVoucher(new Caller.Voucher(settled.payer(), paid, settled.network(),
                            settled.transaction()));
                    String header = verified.request().x402Version() == X402.V2 ? X402.PAYMENT_RESPONSE_HEADER
                            : X402.V1_PAYMENT_RESPONSE_HEADER;
                    Paid settledPaid = new Paid(caller, new Receipt(header,
                            Base64.getEncoder().encodeToString(json(settled))), verified, requestId);
                    // Settled: the claim now lasts while the authorization is valid, however long the request runs,
                    // and is released only if the request turns out not served.
                    return redis.execute("EXPIRE", claim, String.valueOf(claimWhileValid(verified)))
                            .onFailure().invoke(failure -> LOG.warnf(failure, "Redis did not extend voucher claim %s",
                                    claim))
                            .onFailure().recoverWithNull()
                            .replaceWith(settledPaid);
                });
    }

    /** Seconds until the authorization expires, and a margin: after that the facilitator refuses the voucher. */
    private static long claimWhileValid(Verified verified) {
        return Math.max(verified.validBefore() - Instant.now().getEpochSecond(), 0) + SERVED_CLAIM_MARGIN.toSeconds();
    }

    /** The request was not served: the voucher is free again, for a retry of the request with it. */
    public void unserved(Paid paid) {
        release(paid.verified().claim(), paid.requestId()).subscribe().with(ignored -> { }, failure -> { });
    }

    private Uni<Void> release(String claim, String requestId) {
        return redis.execute("EVAL", RELEASE, "1", claim, requestId)
                .onFailure().invoke(failure -> LOG.warnf(failure, "Redis did not release voucher claim %s; it "
                        + "lapses", claim))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * How long the gateway waits for a settlement: as long as the facilitator may (it waits at most the requirements'
     * maxTimeoutSeconds for the transfer to confirm), and then some, so it never gives up on a settlement that lands.
     */
    private Duration settleWait() {
        Duration facilitatorDeadline = config.maxTimeout().plus(config.settleMargin());
        return facilitatorDeadline.compareTo(config.facilitatorTimeout()) > 0 ? facilitatorDeadline
                : config.facilitatorTimeout();
    }

    /** The header's JSON document; null when it is no base64 of JSON. */
    private static JsonNode paymentDocument(String header) {
        try {
            return JSON.readTree(Base64.getDecoder().decode(header.strip()));
        } catch (IllegalArgumentException | IOException e) {
            return null;
        }
    }

    /**
     * A version 2 payment as it is passed on: what it accepted, its scheme's payload, its resource and extensions,
     * and none of what else a client may add (the facilitator refuses fields it does not know).
     */
    private static X402.PaymentPayloadV2 payloadV2(JsonNode payment, Quote quote) {
        try {
            X402.PaymentRequirementsV2 accepted = JSON.treeToValue(payment.get("accepted"),
                    X402.PaymentRequirementsV2.class);
            X402.ResourceInfo resource = payment.hasNonNull("resource")
                    ? JSON.treeToValue(payment.get("resource"), X402.ResourceInfo.class) : null;
            @SuppressWarnings("unchecked")
            Map<String, Object> extensions = payment.hasNonNull("extensions")
                    ? JSON.treeToValue(payment.get("extensions"), Map.class) : null;
            if (accepted == null || !payment.hasNonNull("payload")) {
                throw new PaymentRequiredException(quote, "invalid_payload: a version 2 payment names the "
                        + "requirements it accepted and carries its scheme's payload");
            }
            return new X402.PaymentPayloadV2(X402.V2, resource, accepted, payment.get("payload"), extensions);
        } catch (IOException | IllegalArgumentException e) {
            throw new PaymentRequiredException(quote, "invalid_payload: " + X402.PAYMENT_SIGNATURE_HEADER
                    + " is no version 2 payment payload");
        }
    }

    private Uni<Quote> quote(RoutingContext routing, Completion completion) {
        if (config.facilitatorUrl().isEmpty() || config.chainId().isEmpty() || config.asset().isEmpty()
                || config.payTo().isEmpty()) {
            LOG.error("x402 is enabled for " + config.routes().orElse(List.of()) + " but computepool.gateway.x402 "
                    + "lacks facilitator-url, chain-id, asset or pay-to");
            return Uni.createFrom().failure(unavailable());
        }
        int prompt = completion.promptTokens().length;
        return holds.quote(completion.model().id(), prompt, completion.maxTokens()).map(maxCost -> {
            // Rounded up: a quote never asks less than the request may cost.
            long amount = Math.max(config.minimumAmount(), Math.ceilDiv(maxCost, NANO_USD_PER_TOKEN_UNIT));
            return new Quote("eip155:" + config.chainId().get(), Long.toString(amount),
                    routing.request().absoluteURI(),
                    "A completion by " + completion.model().id() + " of up to " + completion.maxTokens()
                            + " tokens after a " + prompt + "-token prompt; billed at the quoted amount, its most "
                            + "possible cost, whatever it uses; a payment whose request was not served (no token "
                            + "answered) serves a retry of the same request with the same payment",
                    completion.stream() ? "text/event-stream" : "application/json", config.payTo().get(),
                    Math.toIntExact(config.maxTimeout().toSeconds()), config.asset().get(),
                    Map.of("name", config.assetName(), "version", config.assetVersion()));
        });
    }

    /** Asks payment-svc's facilitator, as the gateway: only the platform's resource servers may verify and settle. */
    private <T> Uni<T> facilitator(String path, X402.FacilitatorRequest body, Class<T> answer, Quote quote,
            Duration timeout) {
        URI base = config.facilitatorUrl().orElseThrow();
        return serviceToken.get()
                .chain(token -> Uni.createFrom().completionStage(() -> http.sendAsync(HttpRequest.newBuilder(
                                URI.create(base.toString().replaceAll("/+$", "") + "/" + path))
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json(body)))
                        .build(), HttpResponse.BodyHandlers.ofByteArray())))
                .onFailure().transform(failure -> {
                    LOG.warnf(failure, "The x402 facilitator did not answer %s", path);
                    return unavailable();
                })
                .map(response -> {
                    if (response.statusCode() == 400) {
                        // Not a payment document at all: the client's fault, answered like any invalid payment.
                        throw new PaymentRequiredException(quote, "invalid_payload: " + new String(response.body(),
                                StandardCharsets.UTF_8));
                    }
                    if (response.statusCode() != 200) {
                        LOG.warnf("The x402 facilitator answered %s with %d", path, response.statusCode());
                        throw unavailable();
                    }
                    try {
                        return JSON.readValue(response.body(), answer);
                    } catch (IOException e) {
                        LOG.warnf(e, "The x402 facilitator's answer to %s is unreadable", path);
                        throw unavailable();
                    }
                });
    }

    private static OpenAiException unavailable() {
        return new OpenAiException(Response.Status.SERVICE_UNAVAILABLE, "Payments cannot be verified or settled "
                + "right now; retry the request.", OpenAiError.SERVER_ERROR, null, "payments_unavailable");
    }

    /** The documents as x402 writes them. */
    public static byte[] json(Object document) {
        try {
            return JSON.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
