package computepool.auth;

import java.security.SecureRandom;

/**
 * Secrets a holder presents as they are, like API keys and node credentials: a marker that says what the secret is
 * for ({@code cp_}, {@code cpn_}) and {@value #RANDOM_CHARACTERS} base62 characters from a {@link SecureRandom}
 * (about 238 bits). Stored only as a hash; so much randomness needs no slow hash to resist guessing.
 */
public final class RandomSecrets {

    public static final int RANDOM_CHARACTERS = 40;

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private RandomSecrets() {
    }

    public static String generate(String marker) {
        StringBuilder secret = new StringBuilder(marker.length() + RANDOM_CHARACTERS).append(marker);
        for (int i = 0; i < RANDOM_CHARACTERS; i++) {
            secret.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return secret.toString();
    }

    /** Whether {@code candidate} has the shape of a secret with this marker; one that does not cannot be one of ours. */
    public static boolean wellFormed(String marker, String candidate) {
        if (candidate == null || candidate.length() != marker.length() + RANDOM_CHARACTERS
                || !candidate.startsWith(marker)) {
            return false;
        }
        for (int i = marker.length(); i < candidate.length(); i++) {
            if (BASE62.indexOf(candidate.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
