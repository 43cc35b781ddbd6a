package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy in front of a node that answers every call with the method it received. */
class JsonRpcFaultProxyTest {

    private final List<String> received = new CopyOnWriteArrayList<>();
    private HttpServer node;
    private JsonRpcFaultProxy proxy;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        node.createContext("/", exchange -> {
            String call = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(call);
            byte[] answer = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"node\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        node.start();
        proxy = JsonRpcFaultProxy.start(URI.create("http://127.0.0.1:" + node.getAddress().getPort() + "/"));
    }

    @AfterEach
    void stop() {
        proxy.close();
        node.stop(0);
    }

    @Test
    void aFaultAnswersItsMethodWithTheCallersIdAndLeavesOtherMethodsToTheNode() throws Exception {
        JsonRpcFaultProxy.Fault fault = proxy.answer("eth_getTransactionReceipt", JsonRpcFaultProxy.Answer.result("null"),
                Duration.ofMinutes(1));

        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":null}", call("eth_getTransactionReceipt", 42));
        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"node\"}", call("eth_blockNumber", 43));
        assertEquals(1, fault.answered());
        assertEquals(1, received.size(), "the faulty call reached the node");
        proxy.clear();
        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"node\"}", call("eth_getTransactionReceipt", 44));
    }

    @Test
    void aCountedErrorAnswersThatManyCallsAndAForwardedOneStillReachesTheNode() throws Exception {
        proxy.answerNext("eth_sendRawTransaction",
                JsonRpcFaultProxy.Answer.error("replacement transaction underpriced").afterForwarding(), 2);

        String refused = "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32000,"
                + "\"message\":\"replacement transaction underpriced\"}}";
        assertEquals(refused, call("eth_sendRawTransaction", 7));
        assertEquals(refused, call("eth_sendRawTransaction", 7));
        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"node\"}", call("eth_sendRawTransaction", 7));
        assertEquals(3, received.size());
    }

    @Test
    void aFaultMatchingAParameterLeavesOtherCallsOfItsMethodAlone() throws Exception {
        proxy.answer("eth_getTransactionReceipt", "0xabc", JsonRpcFaultProxy.Answer.result("null"),
                Duration.ofMinutes(1), Integer.MAX_VALUE);

        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", call("eth_getTransactionReceipt", 1, "0xabc"));
        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"node\"}", call("eth_getTransactionReceipt", 1, "0xdef"));
    }

    private String call(String method, int id, String... params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"params\":[" + String.join(",",
                java.util.Arrays.stream(params).map(param -> "\"" + param + "\"").toList()) + "],\"id\":" + id + "}";
        return http.send(HttpRequest.newBuilder(proxy.uri()).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
