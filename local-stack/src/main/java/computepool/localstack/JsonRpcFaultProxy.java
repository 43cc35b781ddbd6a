package computepool.localstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP proxy on loopback in front of a JSON-RPC node (anvil) for fault tests: forwards every call, except that a
 * call of a chosen method, while a {@link Fault} for it lasts, gets the fault's answer instead — a result the node
 * did not give ({@code eth_getTransactionReceipt} → {@code null}, as a node whose receipt index lags answers) or an
 * error ({@code eth_sendRawTransaction} → "replacement transaction underpriced"), with or without passing the call
 * on to the node. Only single calls are matched; a batch is forwarded as it is.
 */
public final class JsonRpcFaultProxy implements AutoCloseable {

    private static final Pattern METHOD = Pattern.compile("\"method\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|-?[0-9]+|null)");

    private final URI target;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();

    /** What a faulty call is answered with, and whether the node still receives it. */
    public record Answer(String json, boolean forwarded) {

        /** Answers {@code result} (JSON, e.g. {@code null}); the node never sees the call. */
        public static Answer result(String json) {
            return new Answer("\"result\":" + json, false);
        }

        /** Answers a JSON-RPC error (code -32000, as geth and anvil answer a refused transaction); the node never sees the call. */
        public static Answer error(String message) {
            return new Answer("\"error\":{\"code\":-32000,\"message\":\"" + message.replace("\"", "'") + "\"}", false);
        }

        /** The same answer, after the call was passed to the node (whose own answer is dropped). */
        public Answer afterForwarding() {
            return new Answer(json, true);
        }
    }

    /**
     * Calls of {@code method} whose body contains {@code matching} (every call when empty) get {@code answer} until
     * {@code until}, at most {@code times} of them.
     */
    public static final class Fault {
        private final String method;
        private final String matching;
        private final Answer answer;
        private final Instant until;
        private final AtomicInteger left;
        private final AtomicInteger answered = new AtomicInteger();

        private Fault(String method, String matching, Answer answer, Instant until, int times) {
            this.method = method;
            this.matching = matching;
            this.answer = answer;
            this.until = until;
            this.left = new AtomicInteger(times);
        }

        /** How many calls this fault has answered so far. */
        public int answered() {
            return answered.get();
        }

        private boolean claims(String calledMethod, String body) {
            if (!method.equals(calledMethod) || !body.contains(matching) || !Instant.now().isBefore(until)) {
                return false;
            }
            if (left.getAndDecrement() <= 0) {
                return false;
            }
            answered.incrementAndGet();
            return true;
        }
    }

    private JsonRpcFaultProxy(URI target, HttpServer server) {
        this.target = target;
        this.server = server;
    }

    /** Starts proxying from a free loopback port to the node at {@code target}. */
    public static JsonRpcFaultProxy start(URI target) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            JsonRpcFaultProxy proxy = new JsonRpcFaultProxy(target, server);
            server.createContext("/", proxy::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers every call of {@code method} with {@code answer} for {@code lasting}. */
    public Fault answer(String method, Answer answer, Duration lasting) {
        return answer(method, "", answer, lasting, Integer.MAX_VALUE);
    }

    /** Answers the next {@code times} calls of {@code method} with {@code answer}. */
    public Fault answerNext(String method, Answer answer, int times) {
        return answer(method, "", answer, ChronoUnit.FOREVER.getDuration(), times);
    }

    /**
     * Answers calls of {@code method} whose body contains {@code matching} (e.g. an address inside a signed
     * transaction) with {@code answer}, for {@code lasting} and at most {@code times} calls.
     */
    public Fault answer(String method, String matching, Answer answer, Duration lasting, int times) {
        Instant now = Instant.now();
        Instant until = Duration.between(now, Instant.MAX).compareTo(lasting) <= 0 ? Instant.MAX : now.plus(lasting);
        Fault fault = new Fault(method, matching, answer, until, times);
        faults.add(fault);
        return fault;
    }

    /** Ends every fault: from now on each call reaches the node and gets its answer. */
    public void clear() {
        faults.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String call = new String(body, StandardCharsets.UTF_8);
            Matcher method = METHOD.matcher(call);
            Fault fault = null;
            if (!call.stripLeading().startsWith("[") && method.find()) {
                String name = method.group(1);
                fault = faults.stream().filter(candidate -> candidate.claims(name, call)).findFirst().orElse(null);
            }
            if (fault == null || fault.answer.forwarded()) {
                HttpResponse<byte[]> forwarded;
                try {
                    forwarded = http.send(HttpRequest.newBuilder(target)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exchange.sendResponseHeaders(502, -1);
                    return;
                } catch (IOException e) {
                    exchange.sendResponseHeaders(502, -1);
                    return;
                }
                if (fault == null) {
                    respond(exchange, forwarded.statusCode(), forwarded.body());
                    return;
                }
            }
            Matcher id = ID.matcher(call);
            String answer = "{\"jsonrpc\":\"2.0\",\"id\":" + (id.find() ? id.group(1) : "null") + ","
                    + fault.answer.json() + "}";
            respond(exchange, 200, answer.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        faults.clear();
        server.stop(0);
    }
}
