package computepool.payment.webhooks;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resolver of every test: the configured one, which in tests sends no DNS query (it refuses to start if the
 * test profile turns system DNS on), with answers a test sets for a name while it runs.
 */
@Alternative
@Priority(1)
@Singleton
public class SwitchableWebhookResolver extends ConfiguredWebhookResolver {

    private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();

    public SwitchableWebhookResolver(WebhookConfig config) {
        super(config);
        if (config.resolve().systemDns()) {
            throw new IllegalStateException(
                    "tests must not query DNS: set %test.computepool.webhooks.resolve.system-dns=false");
        }
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        List<InetAddress> answer = answers.get(host);
        return answer != null ? answer : super.resolve(host);
    }

    /** Answers {@code host} with these IP literals until the returned handle is closed. */
    public Answer answer(String host, String... literals) throws UnknownHostException {
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : literals) {
            addresses.add(IpLiteral.parse(literal).orElseThrow());
        }
        answers.put(host, List.copyOf(addresses));
        return () -> answers.remove(host);
    }

    /** A name's test answer, withdrawn on close. */
    public interface Answer extends AutoCloseable {
        @Override
        void close();
    }
}
