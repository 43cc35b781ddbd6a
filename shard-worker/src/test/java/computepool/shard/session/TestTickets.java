package computepool.shard.session;

import computepool.shard.client.TicketKeys;
import computepool.shard.client.TicketSigner;
import java.time.Clock;
import org.eclipse.microprofile.config.ConfigProvider;

/** Session tickets as the stack's gateways sign them: with the signing key the local stack made. */
public final class TestTickets {

    private TestTickets() {
    }

    public static TicketSigner signer() {
        return signer(Clock.systemUTC());
    }

    public static TicketSigner signer(Clock clock) {
        String key = ConfigProvider.getConfig().getValue("computepool.test.session_ticket_signing_key", String.class);
        return new TicketSigner(TicketKeys.privateKey(key), "shard-worker tests", clock);
    }
}
