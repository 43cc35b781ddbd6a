package computepool.payment.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class SigningSecretTest {

    private final SecureRandom random = new SecureRandom();

    @Test
    void aSecretIs32RandomBytesInBase64UrlAfterThePrefix() {
        SigningSecret secret = SigningSecret.generate(random);
        assertTrue(secret.value().startsWith("whsec_"));
        assertTrue(secret.value().substring(6).matches("[A-Za-z0-9_-]{43}"), secret.value());
        assertEquals(32, secret.key().length);
    }

    @Test
    void everySecretIsNew() {
        assertNotEquals(SigningSecret.generate(random), SigningSecret.generate(random));
    }

    @Test
    void theSecretStaysOutOfLogs() {
        SigningSecret secret = SigningSecret.generate(random);
        assertFalse(secret.toString().contains(secret.value().substring(6)));
    }

    @Test
    void aSecretWithoutThePrefixIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SigningSecret("abc"));
    }
}
