package computepool.journeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.RequestOptions;
import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The OpenAI SDK's HTTP client with an x402 agent's behaviour around it: a 402 answer's first requirements are paid
 * with the wallet and the request sent once more with {@code X-PAYMENT}. Each settlement's
 * {@code X-PAYMENT-RESPONSE} is kept.
 */
final class X402PayingHttpClient implements HttpClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final X402Wallet wallet;
    private final long chainId;
    private final List<String> paymentResponses = Collections.synchronizedList(new ArrayList<>());

    X402PayingHttpClient(HttpClient http, X402Wallet wallet, long chainId) {
        this.http = http;
        this.wallet = wallet;
        this.chainId = chainId;
    }

    List<String> paymentResponses() {
        return List.copyOf(paymentResponses);
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions options) {
        HttpResponse response = http.execute(request, options);
        if (response.statusCode() != 402) {
            return response;
        }
        JsonNode requirements;
        try (response) {
            requirements = JSON.readTree(response.body()).get("accepts").get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String payment;
        try {
            payment = wallet.pay(requirements, chainId);
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a voucher for " + requirements, e);
        }
        HttpResponse paid = http.execute(request.toBuilder().putHeader("X-PAYMENT", payment).build(), options);
        paid.headers().values("X-PAYMENT-RESPONSE").forEach(paymentResponses::add);
        return paid;
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions options) {
        return CompletableFuture.supplyAsync(() -> execute(request, options));
    }

    @Override
    public void close() {
        http.close();
    }
}
