package computepool.identity.domain;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * The secret of an API key, as the developer receives it once: {@code cp_} followed by 40 base62 characters
 * (about 238 bits from a {@link SecureRandom}). Its first {@value #PREFIX_LENGTH} characters are shown in listings so
 * a developer can tell keys apart; they identify nothing on their own.
 */
public record ApiKeySecret(String value) {

    public static final String MARKER = "cp_";
    public static final int RANDOM_CHARACTERS = 40;
    public static final int LENGTH = MARKER.length() + RANDOM_CHARACTERS;
    public static final int PREFIX_LENGTH = MARKER.length() + 8;

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    public ApiKeySecret {
        Objects.requireNonNull(value, "value");
        if (!wellFormed(value)) {
            throw new IllegalArgumentException("not an API key secret");
        }
    }

    public static ApiKeySecret generate() {
        StringBuilder secret = new StringBuilder(LENGTH).append(MARKER);
        for (int i = 0; i < RANDOM_CHARACTERS; i++) {
            secret.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return new ApiKeySecret(secret.toString());
    }

    /** Whether {@code candidate} has the shape of a secret; one that does not cannot be a key of ours. */
    public static boolean wellFormed(String candidate) {
        if (candidate.length() != LENGTH || !candidate.startsWith(MARKER)) {
            return false;
        }
        for (int i = MARKER.length(); i < LENGTH; i++) {
            if (BASE62.indexOf(candidate.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    public String prefix() {
        return value.substring(0, PREFIX_LENGTH);
    }

    /** Never the secret itself, so that logging a key by mistake leaks nothing. */
    @Override
    public String toString() {
        return prefix() + "…";
    }
}
