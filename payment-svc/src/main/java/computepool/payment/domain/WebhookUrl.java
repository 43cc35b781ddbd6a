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
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") || scheme.equals("http") && LOOPBACK.contains(host)) {
            return null;
        }
        return "must use https (plain http only to localhost or 127.0.0.1)";
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
