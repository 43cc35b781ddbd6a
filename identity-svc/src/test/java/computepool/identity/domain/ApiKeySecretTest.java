package computepool.identity.domain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ApiKeySecretTest {

    private static final String PEPPER = "a-pepper-of-at-least-thirty-two-bytes!";

    @Test
    void generatedSecretsHaveTheDocumentedShapeAndDiffer() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ApiKeySecret secret = ApiKeySecret.generate();
            assertTrue(secret.value().matches("cp_[0-9A-Za-z]{40}"), secret.value());
            assertEquals(secret.value().substring(0, 11), secret.prefix());
            assertTrue(seen.add(secret.value()), "a secret repeated");
        }
    }

    @Test
    void anythingElseIsNotWellFormed() {
        String good = ApiKeySecret.generate().value();
        assertTrue(ApiKeySecret.wellFormed(good));
        assertFalse(ApiKeySecret.wellFormed(good.substring(1)));
        assertFalse(ApiKeySecret.wellFormed(good + "x"));
        assertFalse(ApiKeySecret.wellFormed("sk" + good.substring(2)));
        assertFalse(ApiKeySecret.wellFormed(good.substring(0, 20) + "-" + good.substring(21)));
        assertThrows(IllegalArgumentException.class, () -> new ApiKeySecret("cp_short"));
    }

    @Test
    void toStringNeverShowsTheSecret() {
        ApiKeySecret secret = ApiKeySecret.generate();
        assertFalse(secret.toString().contains(secret.value().substring(ApiKeySecret.PREFIX_LENGTH)));
    }

    @Test
    void theHashDependsOnThePepperAndIsStable() {
        String secret = ApiKeySecret.generate().value();
        SecretHasher hasher = new SecretHasher(PEPPER);
        assertArrayEquals(hasher.hash(secret), new SecretHasher(PEPPER).hash(secret));
        assertEquals(32, hasher.hash(secret).length);
        assertFalse(java.util.Arrays.equals(hasher.hash(secret), new SecretHasher(PEPPER + "x").hash(secret)));
        assertFalse(java.util.Arrays.equals(hasher.hash(secret), hasher.hash(ApiKeySecret.generate().value())));
    }

    @Test
    void aShortPepperIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new SecretHasher("too-short"));
        assertTrue(refused.getMessage().contains("at least 32 bytes"), refused.getMessage());
    }

    @Test
    void revocationWinsOverExpiryAndExpiryStartsAtItsInstant() {
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        Instant expires = created.plusSeconds(60);
        ApiKey expiring = new ApiKey(UUID.randomUUID(), UUID.randomUUID(), "ci", "cp_abcdefgh",
                List.of(ApiKeyScope.INFERENCE), created, Optional.of(expires), Optional.empty(), Optional.empty());
        assertEquals(ApiKeyState.ACTIVE, expiring.state(expires.minusNanos(1000)));
        assertEquals(ApiKeyState.EXPIRED, expiring.state(expires));
        ApiKey revoked = new ApiKey(expiring.id(), expiring.developerId(), "ci", "cp_abcdefgh",
                List.of(ApiKeyScope.INFERENCE), created, Optional.of(expires), Optional.of(created.plusSeconds(1)),
                Optional.empty());
        assertEquals(ApiKeyState.REVOKED, revoked.state(expires.plusSeconds(1)));
        assertNotEquals(ApiKeyState.ACTIVE, revoked.state(created.plusSeconds(2)));
    }
}
