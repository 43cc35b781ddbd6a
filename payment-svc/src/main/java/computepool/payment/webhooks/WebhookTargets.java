package computepool.payment.webhooks;

import computepool.payment.domain.WebhookUrl;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a webhook may be sent: its host resolved through the {@link WebhookResolver} and every address judged by
 * the {@link WebhookAddressPolicy}, unless the host is one of {@code allowed-hosts}. The same check at registration
 * and before every delivery, so a name that comes to resolve elsewhere is caught when it is next used.
 */
@ApplicationScoped
public class WebhookTargets {

    /** A URL and the address it was checked at: the one address a delivery may connect to. */
    public record Checked(WebhookUrl url, InetAddress address) {
    }

    /** A target the platform will not send to, with the reason, written to be shown to its owner. */
    public static final class Refused extends Exception {

        Refused(String reason) {
            super(reason);
        }
    }

    private final WebhookResolver resolver;
    private final Set<String> allowedHosts;

    public WebhookTargets(WebhookResolver resolver, WebhookConfig config) {
        this.resolver = resolver;
        this.allowedHosts = config.allowedHosts().orElse(List.of()).stream()
                .map(WebhookTargets::bare)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Resolves and checks the URL's host; may block on a DNS query. */
    public Checked check(WebhookUrl url) throws Refused {
        String host = url.host();
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            addresses = List.of();
        }
        if (addresses.isEmpty()) {
            throw new Refused("host " + host + " cannot be resolved");
        }
        if (!allowedHosts.contains(host)) {
            for (InetAddress address : addresses) {
                Optional<String> refusal = WebhookAddressPolicy.refusal(address);
                if (refusal.isPresent()) {
                    throw new Refused("resolves to " + address.getHostAddress() + ", " + refusal.get()
                            + ": webhooks reach only public addresses");
                }
            }
        }
        return new Checked(url, addresses.getFirst());
    }

    private static String bare(String host) {
        String lower = host.strip().toLowerCase(Locale.ROOT);
        return lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
    }
}
