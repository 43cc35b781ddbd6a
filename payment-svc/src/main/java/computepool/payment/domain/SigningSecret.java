package computepool.payment.domain;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * The secret that signs the events sent to one webhook endpoint (an HMAC key): 32 random bytes,
 * base64url without padding, prefixed {@code whsec_} so a leaked one is easy to recognise.
 */
public record SigningSecret(String value) {

    public static final String PREFIX = "whsec_";
    public static final int BYTES = 32;

    public SigningSecret {
        Objects.requireNonNull(value, "value");
        if (!value.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a signing secret starts with " + PREFIX);
        }
    }

    public static SigningSecret generate(SecureRandom random) {
        byte[] key = new byte[BYTES];
        random.nextBytes(key);
        return new SigningSecret(PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(key));
    }

    /** The HMAC key bytes. */
    public byte[] key() {
        return Base64.getUrlDecoder().decode(value.substring(PREFIX.length()));
    }

    @Override
    public String toString() {
        return PREFIX + "***";
    }
}
