package computepool.localstack.signin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The plumbing the local stand-ins for third-party services share: answers, forms, and the JDK's HTTP server. */
public final class LocalHttp {

    private LocalHttp() {
    }

    /** An answer: status, headers and a text body. */
    public record Answer(int status, Map<String, String> headers, String body) {

        public static Answer html(int status, String body) {
            return new Answer(status, Map.of("Content-Type", "text/html; charset=utf-8"), body);
        }

        public static Answer json(int status, String body) {
            return new Answer(status, Map.of("Content-Type", "application/json; charset=utf-8"), body);
        }

        public static Answer form(Map<String, String> values) {
            return new Answer(200, Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                    values.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                            .collect(Collectors.joining("&")));
        }

        public static Answer redirect(String location) {
            return new Answer(302, Map.of("Location", location), "");
        }

        public Answer withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Answer(status, Map.copyOf(more), body);
        }
    }

    @FunctionalInterface
    public interface Handler {
        Answer answer(HttpExchange exchange) throws IOException;
    }

    /** Answers an exchange with what {@code handler} makes of it, and closes it. */
    public static void handle(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            Answer answer = handler.answer(exchange);
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    public static String body(HttpExchange exchange) throws IOException {
        return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** A form-encoded text (a body, or a URI's raw query) as names and values; the first of a repeated name wins. */
    public static Map<String, String> form(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return values;
        }
        for (String pair : encoded.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            values.putIfAbsent(name, value);
        }
        return values;
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
