package computepool.payment.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** IP addresses written as text, read without any DNS query. */
final class IpLiteral {

    /** Dotted decimal only: octal, hex and shortened forms are names here, left to the resolver to refuse or look up. */
    private static final Pattern IPV4 = Pattern.compile(
            "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})");

    private IpLiteral() {
    }

    /**
     * The address the text writes, when it is an IP literal (an IPv6 one with or without brackets).
     *
     * @throws UnknownHostException when the text has a colon, so can only be meant as IPv6, but is not a valid one
     */
    static Optional<InetAddress> parse(String text) throws UnknownHostException {
        Matcher ipv4 = IPV4.matcher(text);
        if (ipv4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(ipv4.group(i + 1));
                if (part > 255) {
                    return Optional.empty();
                }
                bytes[i] = (byte) part;
            }
            return Optional.of(InetAddress.getByAddress(bytes));
        }
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (bare.indexOf(':') < 0) {
            return Optional.empty();
        }
        // In brackets the JDK reads the text as an IPv6 literal and never looks it up: invalid text fails here.
        return Optional.of(InetAddress.getByName("[" + bare + "]"));
    }
}
