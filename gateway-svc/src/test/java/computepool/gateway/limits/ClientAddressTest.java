package computepool.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which address failed authentications count against, with and without a trusted proxy in front. */
class ClientAddressTest {

    private static final String PEER = "10.0.0.5";

    @Test
    void untrustedForwardedForIsIgnored() {
        assertEquals(PEER, ClientAddress.of(PEER, List.of("203.0.113.1"), false));
        assertEquals(PEER, ClientAddress.of(PEER, List.of("203.0.113.1, 198.51.100.2"), false));
    }

    @Test
    void behindATrustedProxyItIsTheEntryTheProxyAppended() {
        assertEquals("198.51.100.2", ClientAddress.of(PEER, List.of("203.0.113.1, 198.51.100.2"), true),
                "the entries before the last are the client's own claims");
        assertEquals("2001:db8::7", ClientAddress.of(PEER, List.of("203.0.113.1", "192.0.2.3,2001:db8::7"), true),
                "the last entry of the last header");
        assertEquals("192.0.2.3", ClientAddress.of(PEER, List.of(" 192.0.2.3 "), true));
    }

    @Test
    void withoutAnAddressFromTheProxyItIsThePeer() {
        assertEquals(PEER, ClientAddress.of(PEER, List.of(), true));
        assertEquals(PEER, ClientAddress.of(PEER, List.of("203.0.113.1,"), true), "an empty last entry");
        assertEquals(PEER, ClientAddress.of(PEER, List.of("unknown"), true));
        assertEquals(PEER, ClientAddress.of(PEER, List.of("203.0.113.1, evil:key*"), true));
        assertEquals(PEER, ClientAddress.of(PEER, List.of("1".repeat(65)), true), "longer than any address");
    }
}
