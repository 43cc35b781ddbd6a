package computepool.identity.domain;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed hash under which API key secrets are stored and looked up: HMAC-SHA256 with a pepper that lives in the
 * service's configuration, never in the database. Without the pepper, stolen hashes cannot even be checked against
 * guesses; the secrets' 238 random bits make guessing hopeless anyway.
 */
public final class SecretHasher {

    private static final String ALGORITHM = "HmacSHA256";
    /** A shorter pepper would be the weakest part of the scheme. */
    public static final int MINIMUM_PEPPER_BYTES = 32;

    private final SecretKeySpec key;

    public SecretHasher(String pepper) {
        Objects.requireNonNull(pepper, "pepper");
        byte[] bytes = pepper.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MINIMUM_PEPPER_BYTES) {
            throw new IllegalArgumentException("the API key pepper must be at least " + MINIMUM_PEPPER_BYTES
                    + " bytes long, it is " + bytes.length);
        }
        this.key = new SecretKeySpec(bytes, ALGORITHM);
    }

    public byte[] hash(String secret) {
        try {
            // A Mac is not thread-safe; a new one per call costs less than a microsecond.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
