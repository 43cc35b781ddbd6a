package computepool.localstack.reputation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import computepool.localstack.signin.Json;
import computepool.localstack.signin.LocalHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A local server on loopback speaking Human (Gitcoin) Passport's Stamps API v2 score endpoint,
 * {@code GET /v2/stamps/{scorer_id}/score/{address}} with {@code X-API-KEY}, for tests that link a Passport address:
 * a test sets each address's score, and can make the API fail or stall for a while as a real outage would.
 * An address without a Passport scores {@code "0"}, as the real API answers.
 */
public final class LocalPassport implements AutoCloseable {

    /** Passport's recommended threshold, which its {@code passing_score} flag uses. */
    public static final String THRESHOLD = "20.00000";

    private final String scorerId;
    private final String apiKey;
    private final HttpServer server;
    private final Map<String, String> scores = new ConcurrentHashMap<>();
    private final AtomicReference<Outage> outage = new AtomicReference<>();

    /** Until {@code until}: answer {@code status} (0: answer nothing for {@code stall}, then close). */
    private record Outage(int status, Duration stall, Instant until) {
    }

    private LocalPassport(String scorerId, String apiKey) throws IOException {
        this.scorerId = scorerId;
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/stamps/", exchange -> LocalHttp.handle(exchange, this::score));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public static LocalPassport start(String scorerId, String apiKey) {
        try {
            return new LocalPassport(scorerId, apiKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API's base URL, as {@code https://api.passport.xyz} is production's. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Sets the score (a decimal string, as the API writes it) of {@code address}. */
    public void score(String address, String score) {
        scores.put(address.toLowerCase(Locale.ROOT), score);
    }

    /** For {@code lasting}, every request is answered {@code status} (e.g. 500, 429). */
    public void failFor(int status, Duration lasting) {
        outage.set(new Outage(status, Duration.ZERO, Instant.now().plus(lasting)));
    }

    /** For {@code lasting}, every request waits {@code stall} before its answer: a timeout for a short-waiting client. */
    public void stallFor(Duration stall, Duration lasting) {
        outage.set(new Outage(0, stall, Instant.now().plus(lasting)));
    }

    public void recover() {
        outage.set(null);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private LocalHttp.Answer score(HttpExchange exchange) {
        Outage outageNow = outage.get();
        if (outageNow != null && outageNow.until().isAfter(Instant.now())) {
            if (outageNow.status() != 0) {
                return LocalHttp.Answer.json(outageNow.status(), "{\"detail\":\"Service unavailable\"}");
            }
            sleep(outageNow.stall());
        }
        if (!apiKey.equals(exchange.getRequestHeaders().getFirst("X-API-KEY"))) {
            return LocalHttp.Answer.json(401, "{\"detail\":\"Invalid API Key.\"}");
        }
        // /v2/stamps/{scorer_id}/score/{address}
        String[] path = exchange.getRequestURI().getPath().split("/");
        if (!"GET".equals(exchange.getRequestMethod()) || path.length != 6 || !path[4].equals("score")) {
            return LocalHttp.Answer.json(404, "{\"detail\":\"Not found.\"}");
        }
        if (!path[3].equals(scorerId)) {
            return LocalHttp.Answer.json(400, "{\"detail\":\"Invalid scorer_id: " + path[3] + "\"}");
        }
        String address = path[5];
        if (!address.matches("0x[0-9a-fA-F]{40}")) {
            return LocalHttp.Answer.json(400, "{\"detail\":\"Invalid address.\"}");
        }
        String score = scores.getOrDefault(address.toLowerCase(Locale.ROOT), "0");
        Instant now = Instant.now();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("address", address);
        body.put("score", score);
        body.put("passing_score", new BigDecimal(score).compareTo(new BigDecimal(THRESHOLD)) >= 0);
        body.put("last_score_timestamp", now.toString());
        body.put("expiration_timestamp", now.plus(Duration.ofDays(90)).toString());
        body.put("threshold", THRESHOLD);
        body.put("error", null);
        String json = Json.object(body);
        return LocalHttp.Answer.json(200, json.substring(0, json.length() - 1) + ",\"stamps\":{}}");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
