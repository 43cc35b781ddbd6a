package computepool.payment.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WebhookAddressPolicyTest {

    private static Optional<String> refusalOf(String literal) throws Exception {
        InetAddress address = IpLiteral.parse(literal).orElseThrow();
        return WebhookAddressPolicy.refusal(address);
    }

    @ParameterizedTest(name = "{0} is refused as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1               | a loopback address
            127.0.0.2               | a loopback address
            127.255.255.254         | a loopback address
            0.0.0.0                 | an unspecified address
            0.1.2.3                 | a "this network" address (0.0.0.0/8)
            10.0.0.1                | a private address
            10.255.255.255          | a private address
            172.16.0.1              | a private address
            172.31.255.255          | a private address
            192.168.1.1             | a private address
            169.254.169.254         | a link-local address
            169.254.0.1             | a link-local address
            100.64.0.1              | a shared (carrier-grade NAT) address
            100.100.100.200         | a shared (carrier-grade NAT) address
            100.127.255.255         | a shared (carrier-grade NAT) address
            224.0.0.1               | a multicast address
            239.255.255.250         | a multicast address
            240.0.0.1               | a reserved address (240.0.0.0/4)
            254.1.1.1               | a reserved address (240.0.0.0/4)
            255.255.255.255         | the broadcast address
            ::1                     | a loopback address
            ::                      | an unspecified address
            fe80::1                 | a link-local address
            febf:ffff::1            | a link-local address
            fec0::1                 | a site-local address
            fc00::1                 | a unique-local address
            fd00:ec2::254           | a unique-local address
            ff02::1                 | a multicast address
            ::ffff:10.0.0.1         | a private address
            ::ffff:127.0.0.1        | a loopback address
            ::ffff:169.254.169.254  | a link-local address
            ::10.0.0.1              | a private address
            ::0.0.0.2               | a "this network" address (0.0.0.0/8)
            64:ff9b::10.0.0.1       | a private address
            64:ff9b::a9fe:a9fe      | a link-local address
            64:ff9b:1::1            | a local-use NAT64 address
            """)
    void addressesOfThePlatformsOwnNetworkAreRefused(String literal, String kind) throws Exception {
        assertEquals(Optional.of(kind), refusalOf(literal));
    }

    @ParameterizedTest(name = "{0} is public")
    @CsvSource(textBlock = """
            1.1.1.1
            8.8.8.8
            9.255.255.255
            11.0.0.1
            100.63.255.255
            100.128.0.1
            169.253.255.255
            172.15.255.255
            172.32.0.1
            192.167.255.255
            192.169.0.1
            192.0.2.10
            223.255.255.255
            2001:db8::1
            2606:4700:4700::1111
            64:ff9b::8.8.8.8
            ::ffff:1.1.1.1
            fbff::1
            """)
    void publicAddressesAreAllowed(String literal) throws Exception {
        assertEquals(Optional.empty(), refusalOf(literal));
    }
}
