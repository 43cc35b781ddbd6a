package computepool.journeys;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The only way out for a service under test: its JVM's HTTP proxy ({@link #jvmSettings()}), a loopback server that
 * answers every request 403 and records where it was meant to go. Nothing is forwarded and no name is resolved, so
 * a URL a fuzzer registered reaches nobody; {@link #outsideAttempts()} lists those aimed off this machine.
 */
final class EgressGuard implements AutoCloseable {

    private final ServerSocket server;
    private final List<String> attempts = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private EgressGuard(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("egress-guard").start(this::accept);
    }

    static EgressGuard start() throws IOException {
        return new EgressGuard(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    /**
     * System properties that send a JVM's proxied HTTP and HTTPS here, except to the exact loopback names (the
     * stack's own addresses, such as the chain's RPC): the default exceptions ({@code 127.*}) would let a name
     * such as {@code 127.example.com} be resolved and dialled.
     */
    Map<String, String> jvmSettings() {
        String port = String.valueOf(server.getLocalPort());
        return Map.of("http.proxyHost", "127.0.0.1", "http.proxyPort", port,
                "https.proxyHost", "127.0.0.1", "https.proxyPort", port,
                "http.nonProxyHosts", "localhost|127.0.0.1|[::1]");
    }

    /** Every request seen, as {@code host:port}. */
    List<String> attempts() {
        return List.copyOf(attempts);
    }

    /** The requests aimed at anything but a loopback address or {@code localhost}. */
    List<String> outsideAttempts() {
        return attempts.stream().filter(target -> !loopback(target)).toList();
    }

    private void accept() {
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                BufferedReader lines = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.ISO_8859_1));
                String requestLine = lines.readLine();
                if (requestLine != null) {
                    attempts.add(target(requestLine));
                }
                OutputStream out = client.getOutputStream();
                out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /** {@code CONNECT host:port HTTP/1.1} for HTTPS, {@code POST http://host:port/path HTTP/1.1} for HTTP. */
    private static String target(String requestLine) {
        String[] parts = requestLine.split(" ");
        if (parts.length < 2) {
            return requestLine;
        }
        if (parts[0].equals("CONNECT")) {
            return parts[1];
        }
        try {
            URI uri = URI.create(parts[1]);
            return uri.getHost() + ":" + uri.getPort();
        } catch (IllegalArgumentException e) {
            return parts[1];
        }
    }

    private static boolean loopback(String target) {
        String host = target.startsWith("[") ? target.substring(1, target.indexOf(']'))
                : target.substring(0, Math.max(0, target.lastIndexOf(':')));
        return host.equals("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || host.equals("::1");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5_000);
    }
}
