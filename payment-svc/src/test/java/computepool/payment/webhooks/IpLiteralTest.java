package computepool.payment.webhooks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IpLiteralTest {

    private static byte[] bytes(String literal) throws UnknownHostException {
        return IpLiteral.parse(literal).map(InetAddress::getAddress).orElseThrow();
    }

    @Test
    void dottedDecimalIpv4IsRead() throws Exception {
        assertArrayEquals(new byte[] {10, 1, 2, 3}, bytes("10.1.2.3"));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, bytes("255.255.255.255"));
        assertArrayEquals(new byte[] {0, 0, 0, 0}, bytes("0.0.0.0"));
    }

    @Test
    void ipv6IsReadWithOrWithoutBrackets() throws Exception {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        assertArrayEquals(loopback, bytes("::1"));
        assertArrayEquals(loopback, bytes("[::1]"));
        assertEquals(16, bytes("fd00:ec2::254").length);
        // The JDK reads an IPv4-mapped address as the IPv4 one.
        assertArrayEquals(new byte[] {10, 0, 0, 1}, bytes("::ffff:10.0.0.1"));
    }

    /** Forms some resolvers read as numbers (octal, hex, shortened) are names here: nothing is guessed. */
    @Test
    void namesAndAmbiguousFormsAreNotLiterals() throws Exception {
        for (String name : new String[] {"example.com", "localhost", "0x7f000001", "2130706433", "127.1", "010.0.0.1",
                "256.1.1.1", "1.2.3.4.5", "abc", ""}) {
            assertEquals(Optional.empty(), IpLiteral.parse(name), name);
        }
    }

    @Test
    void textMeantAsIpv6ButInvalidIsRefusedWithoutALookup() {
        assertThrows(UnknownHostException.class, () -> IpLiteral.parse("::zz"));
        assertThrows(UnknownHostException.class, () -> IpLiteral.parse("1:2:3:4:5:6:7:8:9"));
    }
}
