package computepool.gateway.x402;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.auth.Caller;
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
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Requests paid one by one with x402 vouchers, on the routes configured for it, by callers without credentials. A
 * request without {@code X-PAYMENT} is answered 402 with what it costs: its maximum cost at the model's price now
 * (its prompt and every completion token it may generate), in the token's smallest unit, rounded up. With a payment,
 * payment-svc's facilitator verifies it against those same requirements; once a pipeline is ready the payment is
 * settled on chain, and only then does the completion run, so a streamed answer's headers can carry
 * {@code X-PAYMENT-RESPONSE}. The request is billed at the quoted amount whatever it uses (the description says so);
 * its operators are credited by what it used.
 *
 * <p>The facilitator answers a repeated settlement of one authorization with its first transaction, so a voucher is
 * claimed here (in Redis, by payer and nonce) before it is settled: two requests racing with one voucher get one
 * answer, not two.
 */
@ApplicationScoped
public class VoucherPayments {

    private static final Logger LOG = Logger.getLogger(VoucherPayments.class);
    /** The token has 6 decimals: its smallest unit is a micro-USD. */
    private static final long NANO_USD_PER_TOKEN_UNIT = 1_000;
    /** Longer than any voucher needs between verification and its transfer being on chain. */
    private static final Duration CLAIM_KEPT = Duration.ofHours(1);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.LOWER_CAMEL_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** A payment the facilitator found valid for these requirements, not settled yet. */
    public record Verified(X402.PaymentRequirements requirements, JsonNode payment, String payer, String nonce) {
    }

    /**
     * A settled payment.
     *
     * @param responseHeader the {@code X-PAYMENT-RESPONSE} value
     */
    public record Paid(Caller caller, String responseHeader) {
    }

    private final GatewayConfig.X402 config;
    private final Holds holds;
    private final ReactiveRedisDataSource redis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public VoucherPayments(GatewayConfig config, Holds holds, ReactiveRedisDataSource redis) {
        this.config = config.x402();
        this.holds = holds;
        this.redis = redis;
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
        String header = routing.request().getHeader(X402.PAYMENT_HEADER);
        return requirements(routing, completion).chain(requirements -> {
            if (header == null || header.isBlank()) {
                throw required(requirements, X402.PAYMENT_HEADER + " header is required");
            }
            JsonNode payment;
            try {
                payment = JSON.readTree(Base64.getDecoder().decode(header.strip()));
            } catch (IllegalArgumentException | IOException e) {
                throw required(requirements, "invalid_payload: " + X402.PAYMENT_HEADER
                        + " must be base64 of a JSON payment payload");
            }
            JsonNode authorization = payment.path("payload").path("authorization");
            String payer = authorization.path("from").asText("");
            String nonce = authorization.path("nonce").asText("");
            return facilitator("verify", new X402.FacilitatorRequest(X402.VERSION, payment, requirements),
                    X402.VerifyResponse.class, requirements).map(answer -> {
                        if (!answer.isValid()) {
                            throw required(requirements, answer.invalidReason());
                        }
                        return new Verified(requirements, payment, payer, nonce);
                    });
        });
    }

    /** Settles the verified payment on chain; fails with {@link PaymentRequiredException} when it cannot. */
    public Uni<Paid> settled(Verified verified) {
        String claim = "x402:claimed:" + verified.payer().toLowerCase(Locale.ROOT) + ":"
                + verified.nonce().toLowerCase(Locale.ROOT);
        return redis.execute("SET", claim, "1", "NX", "EX", String.valueOf(CLAIM_KEPT.toSeconds()))
                .onFailure().transform(failure -> {
                    LOG.warnf(failure, "Redis could not claim a voucher");
                    return unavailable();
                })
                .chain(claimed -> {
                    if (claimed == null) {
                        throw required(verified.requirements(), "invalid_transaction_state");
                    }
                    return facilitator("settle", new X402.FacilitatorRequest(X402.VERSION, verified.payment(),
                            verified.requirements()), X402.SettleResponse.class, verified.requirements());
                })
                .map(settled -> {
                    if (!settled.success()) {
                        LOG.warnf("Voucher of %s was not settled: %s (transaction %s)", verified.payer(),
                                settled.errorReason(), settled.transaction());
                        throw required(verified.requirements(), settled.errorReason());
                    }
                    long paid = Math.multiplyExact(Long.parseLong(verified.requirements().maxAmountRequired()),
                            NANO_USD_PER_TOKEN_UNIT);
                    Caller caller = Caller.byVoucher(new Caller.Voucher(settled.payer(), paid, settled.network(),
                            settled.transaction()));
                    return new Paid(caller, Base64.getEncoder().encodeToString(json(settled)));
                });
    }

    private Uni<X402.PaymentRequirements> requirements(RoutingContext routing, Completion completion) {
        if (config.facilitatorUrl().isEmpty() || config.chainId().isEmpty() || config.asset().isEmpty()
                || config.payTo().isEmpty()) {
            LOG.error("x402 is enabled for " + config.routes().orElse(List.of()) + " but computepool.gateway.x402 "
                    + "lacks facilitator-url, chain-id, asset or pay-to");
            return Uni.createFrom().failure(unavailable());
        }
        int prompt = completion.promptTokens().length;
        return holds.quote(completion.model().id(), prompt, completion.maxTokens()).map(maxCost -> {
            // Rounded up: a quote never asks less than the request may cost.
            long amount = Math.max(1, Math.ceilDiv(maxCost, NANO_USD_PER_TOKEN_UNIT));
            return new X402.PaymentRequirements(X402.EXACT, "eip155:" + config.chainId().get(),
                    Long.toString(amount), routing.request().absoluteURI(),
                    "A completion by " + completion.model().id() + " of up to " + completion.maxTokens()
                            + " tokens after a " + prompt + "-token prompt; billed at the quoted amount, its most "
                            + "possible cost, whatever it uses",
                    completion.stream() ? "text/event-stream" : "application/json", config.payTo().get(),
                    Math.toIntExact(config.maxTimeout().toSeconds()), config.asset().get(),
                    Map.of("name", config.assetName(), "version", config.assetVersion()));
        });
    }

    private <T> Uni<T> facilitator(String path, X402.FacilitatorRequest body, Class<T> answer,
            X402.PaymentRequirements requirements) {
        URI base = config.facilitatorUrl().orElseThrow();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/+$", "") + "/" + path))
                .timeout(config.facilitatorTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json(body)))
                .build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()))
                .onFailure().transform(failure -> {
                    LOG.warnf(failure, "The x402 facilitator did not answer %s", path);
                    return unavailable();
                })
                .map(response -> {
                    if (response.statusCode() == 400) {
                        // Not a payment document at all: the client's fault, answered like any invalid payment.
                        throw required(requirements, "invalid_payload: " + new String(response.body(),
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

    private static PaymentRequiredException required(X402.PaymentRequirements requirements, String error) {
        return new PaymentRequiredException(new X402.PaymentRequired(X402.VERSION, error, List.of(requirements)));
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
