package computepool.payment.webhooks;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Answers from, in order: the fixed entries of {@code computepool.webhooks.resolve.hosts}, IP literals, and the
 * system's DNS when {@code computepool.webhooks.resolve.system-dns} allows it.
 */
@DefaultBean
@ApplicationScoped
public class ConfiguredWebhookResolver implements WebhookResolver {

    private final Map<String, List<InetAddress>> fixed;
    private final boolean systemDns;

    public ConfiguredWebhookResolver(WebhookConfig config) {
        this.fixed = fixedEntries(config.resolve().hosts());
        this.systemDns = config.resolve().systemDns();
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        List<InetAddress> entry = fixed.get(host);
        if (entry != null) {
            return entry;
        }
        var literal = IpLiteral.parse(host);
        if (literal.isPresent()) {
            return List.of(literal.get());
        }
        if (!systemDns) {
            throw new UnknownHostException(host + ": no fixed entry, and system DNS is off");
        }
        return List.of(InetAddress.getAllByName(host));
    }

    private static Map<String, List<InetAddress>> fixedEntries(Map<String, List<String>> configured) {
        Map<String, List<InetAddress>> entries = new HashMap<>();
        configured.forEach((host, literals) -> {
            List<InetAddress> addresses = new ArrayList<>();
            for (String literal : literals) {
                try {
                    addresses.add(IpLiteral.parse(literal.strip()).orElseThrow(() -> new UnknownHostException(literal)));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("computepool.webhooks.resolve.hosts." + host
                            + " must list IP addresses, not " + literal);
                }
            }
            entries.put(host.toLowerCase(Locale.ROOT), List.copyOf(addresses));
        });
        return Map.copyOf(entries);
    }
}
