package computepool.gateway.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.gateway.api.OpenAiErrors;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.limits.RateLimited;
import computepool.gateway.x402.PaymentRequiredException;
import computepool.gateway.x402.VoucherPayments;
import computepool.gateway.x402.X402;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.Base64;
import org.jboss.logging.Logger;

/** Writes JSON answers, and failures in OpenAI's shape with the headers their status calls for. */
@ApplicationScoped
public class ErrorAnswers {

    private static final Logger LOG = Logger.getLogger(ErrorAnswers.class);

    private final ObjectMapper mapper;

    public ErrorAnswers(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Any failure: an {@link OpenAiException} as it is, a {@link PaymentRequiredException} as x402's 402 (version 1's
     * body, version 2's header),
     * anything else logged and answered as a 500.
     */
    public void send(HttpServerResponse response, Throwable failure) {
        if (failure instanceof PaymentRequiredException paymentRequired) {
            if (!response.headWritten() && !response.closed()) {
                response.setStatusCode(402).putHeader("Content-Type", "application/json")
                        .putHeader(X402.PAYMENT_REQUIRED_HEADER,
                                Base64.getEncoder().encodeToString(VoucherPayments.json(paymentRequired.v2Header())))
                        .end(Buffer.buffer(VoucherPayments.json(paymentRequired.v1Body())));
            }
            return;
        }
        OpenAiException answer;
        if (failure instanceof OpenAiException openAi) {
            answer = openAi;
        } else {
            LOG.error("OpenAI-compatible request failed", failure);
            answer = OpenAiErrors.unexpected();
        }
        if (response.headWritten() || response.closed()) {
            return;
        }
        if (answer.status().getStatusCode() == 401) {
            response.putHeader("WWW-Authenticate", "Bearer");
        }
        if (answer instanceof RateLimited limited) {
            limited.retryAfterSeconds().ifPresent(seconds -> response.putHeader("Retry-After", String.valueOf(seconds)));
        }
        json(response, answer.status().getStatusCode(), answer.error());
    }

    /** @return when the answer is written out (or could not be) */
    public Future<Void> json(HttpServerResponse response, int status, Object body) {
        if (response.closed()) {
            return Future.succeededFuture();
        }
        try {
            return response.setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(mapper.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
