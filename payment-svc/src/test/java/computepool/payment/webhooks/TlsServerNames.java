package computepool.payment.webhooks;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback listener that reads each client's TLS ClientHello, records the server name it asks for (SNI; empty
 * when none) and hangs up: enough to see where and for whom a TLS client connects, with no certificate.
 */
final class TlsServerNames implements AutoCloseable {

    private final ServerSocket server;
    private final List<String> names = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    TlsServerNames(InetAddress address) throws IOException {
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0));
        this.acceptor = Thread.ofVirtual().name("tls-server-names").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** The server names asked for, one per connection, oldest first. */
    List<String> names() {
        return List.copyOf(names);
    }

    private void accept() {
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                names.add(serverName(client.getInputStream()));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /** RFC 8446 §4.1.2: record header, handshake header, version, random, session, suites, compression, extensions. */
    private static String serverName(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        if (in.readUnsignedByte() != 22) {
            return "not a TLS handshake";
        }
        in.skipNBytes(2 + 2);
        if (in.readUnsignedByte() != 1) {
            return "not a ClientHello";
        }
        in.skipNBytes(3 + 2 + 32);
        in.skipNBytes(in.readUnsignedByte());
        in.skipNBytes(in.readUnsignedShort());
        in.skipNBytes(in.readUnsignedByte());
        int extensionsLeft = in.readUnsignedShort();
        while (extensionsLeft > 0) {
            int type = in.readUnsignedShort();
            int length = in.readUnsignedShort();
            extensionsLeft -= 4 + length;
            if (type != 0) {
                in.skipNBytes(length);
                continue;
            }
            in.skipNBytes(2 + 1);
            byte[] name = new byte[in.readUnsignedShort()];
            in.readFully(name);
            return new String(name, StandardCharsets.US_ASCII);
        }
        return "";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5_000);
    }
}
