package computepool.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.Tokens;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServiceTokenTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Duration LIFESPAN = Duration.ofMinutes(5);

    /** Keycloak's token endpoint as the token sees it: each grant answered when the test says so. */
    private static final class TokenEndpoint implements OidcClient {
        final List<UniEmitter<? super Tokens>> grants = new ArrayList<>();
        final AtomicReference<Instant> now;

        TokenEndpoint(AtomicReference<Instant> now) {
            this.now = now;
        }

        void answer(int grant) {
            grants.get(grant).complete(new Tokens("token-" + grant, now.get().plus(LIFESPAN).getEpochSecond(), null,
                    null, null, null, null));
        }

        @Override
        public Uni<Tokens> getTokens(Map<String, String> additionalGrantParameters) {
            return Uni.createFrom().emitter(grants::add);
        }

        @Override
        public Uni<Tokens> refreshTokens(String refreshToken, Map<String, String> additionalGrantParameters) {
            throw new UnsupportedOperationException("a client-credentials token has no refresh token");
        }

        @Override
        public Uni<Boolean> revokeAccessToken(String accessToken, Map<String, String> additionalParameters) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private final TokenEndpoint keycloak = new TokenEndpoint(now);
    private final ServiceToken token = new ServiceToken(keycloak, new Clock() {
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

    @Test
    void callsArrivingWhileATokenIsFetchedWaitForThatOneFetch() {
        AtomicReference<String> first = new AtomicReference<>();
        AtomicReference<String> second = new AtomicReference<>();
        token.get().subscribe().with(first::set);
        token.get().subscribe().with(second::set);
        assertEquals(1, keycloak.grants.size());

        keycloak.answer(0);
        assertEquals("token-0", first.get());
        assertEquals("token-0", second.get());
    }

    @Test
    void oneTokenServesUntilShortlyBeforeItExpires() {
        token.get().subscribe().with(ignored -> { });
        keycloak.answer(0);

        now.set(NOW.plus(LIFESPAN).minus(ServiceToken.RENEW_BEFORE_EXPIRY).minusSeconds(1));
        assertEquals("token-0", token.get().await().indefinitely());
        assertEquals(1, keycloak.grants.size());

        now.set(NOW.plus(LIFESPAN).minus(ServiceToken.RENEW_BEFORE_EXPIRY));
        AtomicReference<String> renewed = new AtomicReference<>();
        token.get().subscribe().with(renewed::set);
        assertEquals(2, keycloak.grants.size());
        keycloak.answer(1);
        assertEquals("token-1", renewed.get());
    }

    @Test
    void aFailedFetchFailsItsCallsAndTheNextCallTriesAgain() {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        token.get().subscribe().with(ignored -> { }, failed::set);
        keycloak.grants.get(0).fail(new IllegalStateException("Keycloak is down"));
        assertEquals("Keycloak is down", failed.get().getMessage());

        AtomicReference<String> later = new AtomicReference<>();
        token.get().subscribe().with(later::set);
        assertEquals(2, keycloak.grants.size());
        keycloak.answer(1);
        assertEquals("token-1", later.get());
    }
}
