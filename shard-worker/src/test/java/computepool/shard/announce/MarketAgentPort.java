package computepool.shard.announce;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * Points the worker at a port chosen for {@link WorkerAnnouncementTest}'s own WorkerAgent, which the test starts
 * there; until it does, the worker's announcements fail and it keeps sending them.
 */
public class MarketAgentPort implements QuarkusTestResourceLifecycleManager {

    static final String CREDENTIAL = "cpn_TestNodeCredentialOfWorkerAnnouncement01";

    @Override
    public Map<String, String> start() {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return Map.of("computepool.shard.market-address", "127.0.0.1:" + free.getLocalPort(),
                    "computepool.shard.node-credential", CREDENTIAL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
    }
}
