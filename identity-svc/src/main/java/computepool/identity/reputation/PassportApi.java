package computepool.identity.reputation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.identity.config.ReputationConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The score of an address from Human Passport's Stamps API v2 ({@code GET /v2/stamps/{scorer_id}/score/{address}},
 * key in {@code X-API-KEY}). Any answer but a 200 with a decimal {@code score}, or none in time, is
 * {@link PassportUnavailable}.
 */
@ApplicationScoped
public class PassportApi {

    private final ReputationConfig.Passport config;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public PassportApi(ReputationConfig config, ObjectMapper json) {
        this.config = config.passport();
        this.json = json;
    }

    /** Thrown when Passport cannot tell a score now; the reason is safe to show the developer. */
    public static final class PassportUnavailable extends RuntimeException {
        public PassportUnavailable(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    public Uni<BigDecimal> score(String address) {
        if (config.scorerId().isEmpty() || config.apiKey().isEmpty()) {
            return Uni.createFrom().failure(new PassportUnavailable("Passport scoring is not configured", null));
        }
        URI uri = URI.create(config.baseUrl().toString().replaceAll("/+$", "") + "/v2/stamps/"
                + config.scorerId().get() + "/score/" + address);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("X-API-KEY", config.apiKey().get()).header("Accept", "application/json").GET().build();
        return HttpCalls.send(http, request)
                .onFailure().transform(failure -> new PassportUnavailable(
                        "the Passport API did not answer within " + config.timeout().toSeconds() + " s", failure))
                .map(this::scoreOf);
    }

    private BigDecimal scoreOf(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new PassportUnavailable("the Passport API answered " + response.statusCode(), null);
        }
        try {
            JsonNode score = json.readTree(response.body()).get("score");
            if (score == null || score.isNull()) {
                throw new PassportUnavailable("the Passport API's answer holds no score", null);
            }
            BigDecimal value = new BigDecimal(score.asText());
            if (value.signum() < 0) {
                throw new PassportUnavailable("the Passport API answered a negative score", null);
            }
            return value;
        } catch (IOException | NumberFormatException e) {
            throw new PassportUnavailable("the Passport API's answer is not a score", e);
        }
    }
}
