package computepool.payment.domain;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Where a webhook endpoint receives events. Payment events must not cross the network in clear
 * text, so the URL is https; plain http is allowed only to this machine, for local development.
 */
public record WebhookUrl(URI value) {

    public static final int MAX_LENGTH = 2048;
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1");

    public WebhookUrl {
        String problem = problemWith(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Parses and checks a URL.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static WebhookUrl parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must not be blank");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("must be at most " + MAX_LENGTH + " characters");
        }
        try {
            return new WebhookUrl(new URI(text));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a valid URL");
        }
    }

    private static String problemWith(URI uri) {
        if (uri == null || !uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
            return "must be an absolute URL with a host";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not carry credentials";
        }
        if (uri.getRawFragment() != null) {
            return "must not have a fragment";
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            return "must have a port from 1 to 65535";
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") || scheme.equals("http") && LOOPBACK.contains(host)) {
            return null;
        }
        return "must use https (plain http only to localhost or 127.0.0.1)";
    }

    /** The host as the URL names it, lower-cased, an IPv6 literal without its brackets. */
    public String host() {
        String host = value.getHost().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The host and port as the URL writes them, brackets kept: what the request's Host header says. */
    public String authority() {
        return value.getRawAuthority();
    }

    public boolean https() {
        return value.getScheme().equalsIgnoreCase("https");
    }

    /** The URL's port, or its scheme's. */
    public int port() {
        return value.getPort() != -1 ? value.getPort() : https() ? 443 : 80;
    }

    /** The path and query as sent in the request line, {@code /} when the URL has no path. */
    public String requestTarget() {
        String path = value.getRawPath() == null || value.getRawPath().isEmpty() ? "/" : value.getRawPath();
        return value.getRawQuery() == null ? path : path + "?" + value.getRawQuery();
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
