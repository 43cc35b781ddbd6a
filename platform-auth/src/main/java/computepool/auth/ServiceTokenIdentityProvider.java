package computepool.auth;

import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

/**
 * Verifies a service token as the service's OIDC configuration verifies every token: signed by the realm's keys,
 * issued by the realm, not expired, meant for the platform's audience; its realm roles become the caller's roles.
 */
@Singleton
public class ServiceTokenIdentityProvider implements IdentityProvider<ServiceTokenRequest> {

    private final TenantIdentityProvider tokens;

    public ServiceTokenIdentityProvider(TenantIdentityProvider tokens) {
        this.tokens = tokens;
    }

    @Override
    public Class<ServiceTokenRequest> getRequestType() {
        return ServiceTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ServiceTokenRequest request, AuthenticationRequestContext context) {
        return tokens.authenticate(request.token());
    }
}
