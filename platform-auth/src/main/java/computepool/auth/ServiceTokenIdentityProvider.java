package computepool.auth;

import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies a service token as the service's OIDC configuration verifies every token: signed by the realm's keys,
 * issued by the realm, not expired, meant for the platform's audience; its realm roles become the caller's roles.
 *
 * <p>A caller presents one token on every call until it renews it, so the identity a token verified to is kept until
 * the token expires: verifying it again would give the same answer (a signed token is checked locally, never asked
 * about), and each verification costs a call about a third of a millisecond. Only tokens that verified are kept, at
 * most {@value #KEPT} of them, so strangers' tokens cannot fill the memory.
 */
@Singleton
public class ServiceTokenIdentityProvider implements IdentityProvider<ServiceTokenRequest> {

    static final int KEPT = 256;

    private final TenantIdentityProvider tokens;
    private final Clock clock;
    private final Map<String, Verified> verified = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
            return size() > KEPT;
        }
    };

    @Inject
    public ServiceTokenIdentityProvider(TenantIdentityProvider tokens) {
        this(tokens, Clock.systemUTC());
    }

    ServiceTokenIdentityProvider(TenantIdentityProvider tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public Class<ServiceTokenRequest> getRequestType() {
        return ServiceTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ServiceTokenRequest request, AuthenticationRequestContext context) {
        String token = request.token().getToken();
        Verified known = known(token);
        if (known != null) {
            return Uni.createFrom().item(known.identity());
        }
        return tokens.authenticate(request.token()).invoke(identity -> keep(token, identity));
    }

    private synchronized Verified known(String token) {
        Verified known = verified.get(token);
        if (known != null && !clock.instant().isBefore(known.expiresAt())) {
            verified.remove(token);
            return null;
        }
        return known;
    }

    private void keep(String token, SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getExpirationTime() > 0) {
            Verified entry = new Verified(identity, Instant.ofEpochSecond(jwt.getExpirationTime()));
            synchronized (this) {
                verified.put(token, entry);
            }
        }
    }

    private record Verified(SecurityIdentity identity, Instant expiresAt) {
    }
}
