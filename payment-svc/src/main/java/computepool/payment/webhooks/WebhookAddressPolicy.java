package computepool.payment.webhooks;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * Which addresses a webhook may reach: public ones only. Its URL is a customer's choice, and the deliverer posts from
 * inside the platform's network, where a private, link-local or loopback address is a database, a cluster service
 * or a cloud's metadata endpoint. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64) are judged by it.
 */
public final class WebhookAddressPolicy {

    private static final byte[] NAT64_PREFIX = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

    private WebhookAddressPolicy() {
    }

    /** What kind of address this is when a webhook may not reach it (such as "a private address"); empty when public. */
    public static Optional<String> refusal(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return ipv4(bytes);
        }
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        if (Arrays.equals(bytes, new byte[16])) {
            return Optional.of("an unspecified address");
        }
        if (Arrays.equals(bytes, loopback)) {
            return Optional.of("a loopback address");
        }
        byte[] embedded = embeddedIpv4(bytes);
        return embedded != null ? ipv4(embedded) : ipv6(bytes);
    }

    private static Optional<String> ipv4(byte[] bytes) {
        int first = bytes[0] & 0xff;
        int second = bytes[1] & 0xff;
        if (Arrays.equals(bytes, new byte[4])) {
            return Optional.of("an unspecified address");
        }
        if (first == 0) {
            return Optional.of("a \"this network\" address (0.0.0.0/8)");
        }
        if (first == 127) {
            return Optional.of("a loopback address");
        }
        if (first == 10 || first == 172 && second >= 16 && second <= 31 || first == 192 && second == 168) {
            return Optional.of("a private address");
        }
        if (first == 169 && second == 254) {
            return Optional.of("a link-local address");
        }
        if (first == 100 && second >= 64 && second <= 127) {
            return Optional.of("a shared (carrier-grade NAT) address");
        }
        if (first >= 224 && first <= 239) {
            return Optional.of("a multicast address");
        }
        if (Arrays.equals(bytes, new byte[] {-1, -1, -1, -1})) {
            return Optional.of("the broadcast address");
        }
        if (first >= 240) {
            return Optional.of("a reserved address (240.0.0.0/4)");
        }
        return Optional.empty();
    }

    private static Optional<String> ipv6(byte[] bytes) {
        int first = bytes[0] & 0xff;
        int second = bytes[1] & 0xff;
        if (first == 0xff) {
            return Optional.of("a multicast address");
        }
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return Optional.of("a link-local address");
        }
        if (first == 0xfe && (second & 0xc0) == 0xc0) {
            return Optional.of("a site-local address");
        }
        if ((first & 0xfe) == 0xfc) {
            return Optional.of("a unique-local address");
        }
        // RFC 8215's local-use NAT64 prefix: translated by the operator's own NAT64, to any IPv4 address it chooses.
        if (first == 0 && second == 0x64 && (bytes[2] & 0xff) == 0xff && (bytes[3] & 0xff) == 0x9b && bytes[4] == 0
                && bytes[5] == 1) {
            return Optional.of("a local-use NAT64 address");
        }
        return Optional.empty();
    }

    /**
     * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, besides :: and ::1) or
     * NAT64 (64:ff9b::a.b.c.d) address; null for any other.
     */
    private static byte[] embeddedIpv4(byte[] bytes) {
        boolean mapped = isZero(bytes, 0, 10) && (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
        boolean compatible = isZero(bytes, 0, 12);
        boolean nat64 = Arrays.equals(Arrays.copyOf(bytes, 12), NAT64_PREFIX);
        return mapped || compatible || nat64 ? Arrays.copyOfRange(bytes, 12, 16) : null;
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
