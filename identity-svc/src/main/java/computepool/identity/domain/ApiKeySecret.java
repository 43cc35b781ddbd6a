package computepool.identity.domain;

import computepool.auth.RandomSecrets;
import java.util.Objects;

/**
 * The secret of an API key, as the developer receives it once: {@code cp_} followed by 40 base62 characters
 * (about 238 bits; {@link RandomSecrets}). Its first {@value #PREFIX_LENGTH} characters are shown in listings so
 * a developer can tell keys apart; they identify nothing on their own.
 */
public record ApiKeySecret(String value) {

    public static final String MARKER = "cp_";
    public static final int RANDOM_CHARACTERS = RandomSecrets.RANDOM_CHARACTERS;
    public static final int LENGTH = MARKER.length() + RANDOM_CHARACTERS;
    public static final int PREFIX_LENGTH = MARKER.length() + 8;

    public ApiKeySecret {
        Objects.requireNonNull(value, "value");
        if (!wellFormed(value)) {
            throw new IllegalArgumentException("not an API key secret");
        }
    }

    public static ApiKeySecret generate() {
        return new ApiKeySecret(RandomSecrets.generate(MARKER));
    }

    /** Whether {@code candidate} has the shape of a secret; one that does not cannot be a key of ours. */
    public static boolean wellFormed(String candidate) {
        return RandomSecrets.wellFormed(MARKER, candidate);
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
