package computepool.payment.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Where a webhook's host is: every address it names, each of which the address policy then judges. */
public interface WebhookResolver {

    /**
     * The host's addresses; may block (a DNS query).
     *
     * @param host lower-cased, an IPv6 literal without brackets
     * @throws UnknownHostException when it has none
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;
}
