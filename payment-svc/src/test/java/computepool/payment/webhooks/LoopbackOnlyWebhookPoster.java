package computepool.payment.webhooks;

import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The poster of every test: the real one, allowed to dial only this machine's loopback addresses. It records every
 * delivery's dial, and fails any aimed elsewhere before a packet leaves, the reason recorded as the attempt's error.
 */
@Alternative
@Priority(1)
@Singleton
public class LoopbackOnlyWebhookPoster extends WebhookPoster {

    /** Off-loopback dials fail with this, so a test can tell them from any other failure. */
    public static final String REFUSED = "tests dial only loopback addresses";

    /** Where a delivery was about to connect: the URL's host and the address checked for it. */
    public record Dial(String host, InetAddress address, int port) {
    }

    private final List<Dial> dials = new CopyOnWriteArrayList<>();

    public LoopbackOnlyWebhookPoster(Vertx vertx, WebhookConfig config) {
        super(vertx, config);
    }

    @Override
    public int post(WebhookTargets.Checked target, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        dials.add(new Dial(target.url().host(), target.address(), target.url().port()));
        if (!target.address().isLoopbackAddress()) {
            throw new IOException(REFUSED + ": " + target.address().getHostAddress() + " for " + target.url().host());
        }
        return super.post(target, headers, body);
    }

    /** The dials made for URLs with this host, oldest first. */
    public List<Dial> dialsFor(String host) {
        return dials.stream().filter(dial -> dial.host().equals(host)).toList();
    }
}
