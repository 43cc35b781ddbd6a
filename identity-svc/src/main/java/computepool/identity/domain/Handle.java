package computepool.identity.domain;

import java.util.Locale;
import java.util.regex.Pattern;

/** A developer's public handle: 3 to 39 lowercase letters, digits and inner hyphens, as on GitHub. */
public record Handle(String value) {

    public static final String PATTERN = "^[a-z0-9](?:[a-z0-9-]{1,37}[a-z0-9])$";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    public Handle {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("a handle is 3 to 39 lowercase letters, digits or inner hyphens");
        }
    }

    /**
     * The handle suggested for a new developer from their Keycloak username: lowercased, other
     * characters turned into hyphens, padded or cut to fit. Uniqueness is the store's concern.
     */
    public static Handle suggestedFrom(String username) {
        String base = username == null ? "" : username.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        base = base.replaceAll("^-+|-+$", "");
        if (base.length() > 39) {
            base = base.substring(0, 39).replaceAll("-+$", "");
        }
        while (base.length() < 3) {
            base = base + "0";
        }
        return new Handle(base);
    }
}
