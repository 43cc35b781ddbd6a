package computepool.gateway.limits;

import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Pattern;

/** The address a request comes from, as failed authentications are counted against it. */
final class ClientAddress {

    static final String FORWARDED_FOR = "X-Forwarded-For";
    /** An IPv4 or IPv6 literal, maybe bracketed or with a port, as proxies write them; nothing else is an address. */
    private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f:.\\[\\]]{1,64}");

    private ClientAddress() {
    }

    static String of(RoutingContext routing, boolean trustForwardedFor) {
        SocketAddress remote = routing.request().remoteAddress();
        String peer = remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
        return of(peer, routing.request().headers().getAll(FORWARDED_FOR), trustForwardedFor);
    }

    /**
     * The connection's peer; or, when the proxy in front is trusted, the last entry of the last
     * {@code X-Forwarded-For} header: the one that proxy appended. The entries before it are whatever the client sent,
     * so they are never used, and neither is an entry that is not an address.
     */
    static String of(String peer, List<String> forwardedFor, boolean trustForwardedFor) {
        if (!trustForwardedFor || forwardedFor.isEmpty()) {
            return peer;
        }
        String header = forwardedFor.getLast();
        String last = header.substring(header.lastIndexOf(',') + 1).strip();
        return ADDRESS.matcher(last).matches() ? last : peer;
    }
}
