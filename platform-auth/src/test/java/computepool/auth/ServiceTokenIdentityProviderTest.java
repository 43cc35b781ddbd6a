package computepool.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

class ServiceTokenIdentityProviderTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Instant EXPIRY = NOW.plusSeconds(300);

    /** The realm as the provider sees it: tokens named "valid-…" verify (expiring at EXPIRY), others do not. */
    private final List<String> verifications = new ArrayList<>();
    private final TenantIdentityProvider realm = credential -> {
        verifications.add(credential.getToken());
        if (!credential.getToken().startsWith("valid-")) {
            return Uni.createFrom().failure(new AuthenticationFailedException("signature does not verify"));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(token(credential.getToken(), EXPIRY))
                .addRole("gateway-svc")
                .build());
    };
    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private ServiceTokenIdentityProvider provider() {
        return new ServiceTokenIdentityProvider(realm, new Clock() {
            @Override
            public Instant instant() {
                return now.get();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        });
    }

    private static SecurityIdentity authenticate(ServiceTokenIdentityProvider provider, String token) {
        return provider.authenticate(new ServiceTokenRequest(new AccessTokenCredential(token)), null)
                .await().indefinitely();
    }

    @Test
    void aVerifiedTokenIsVerifiedOnceUntilItExpires() {
        ServiceTokenIdentityProvider provider = provider();
        assertEquals(Set.of("gateway-svc"), authenticate(provider, "valid-1").getRoles());
        now.set(EXPIRY.minusSeconds(1));
        assertEquals(Set.of("gateway-svc"), authenticate(provider, "valid-1").getRoles());
        assertEquals(List.of("valid-1"), verifications);

        now.set(EXPIRY);
        authenticate(provider, "valid-1");
        assertEquals(List.of("valid-1", "valid-1"), verifications, "an expired token is verified again (and refused)");
    }

    @Test
    void aTokenThatFailsIsVerifiedEveryTimeAndNeverKept() {
        ServiceTokenIdentityProvider provider = provider();
        assertThrows(AuthenticationFailedException.class, () -> authenticate(provider, "forged"));
        assertThrows(AuthenticationFailedException.class, () -> authenticate(provider, "forged"));
        assertEquals(List.of("forged", "forged"), verifications);
    }

    @Test
    void onlyTheMostRecentlyUsedTokensAreKept() {
        ServiceTokenIdentityProvider provider = provider();
        for (int i = 0; i <= ServiceTokenIdentityProvider.KEPT; i++) {
            authenticate(provider, "valid-" + i);
        }
        verifications.clear();
        authenticate(provider, "valid-" + ServiceTokenIdentityProvider.KEPT);
        authenticate(provider, "valid-0");
        assertEquals(List.of("valid-0"), verifications, "the eldest token made room for the newest");
    }

    private static JsonWebToken token(String raw, Instant expiry) {
        return new JsonWebToken() {
            @Override
            public String getName() {
                return "service-account-gateway-svc";
            }

            @Override
            public Set<String> getClaimNames() {
                return Set.of("exp", "raw_token");
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T getClaim(String claim) {
                return (T) switch (claim) {
                    case "exp" -> (Object) expiry.getEpochSecond();
                    case "raw_token" -> raw;
                    default -> null;
                };
            }
        };
    }
}
