package computepool.auth;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * A bearer token that came with an internal gRPC call. A type of its own so that only
 * {@link ServiceTokenIdentityProvider} takes it: quarkus-oidc's HTTP provider would look for a request that a gRPC
 * call on its own port does not have.
 */
public final class ServiceTokenRequest extends BaseAuthenticationRequest {

    private final AccessTokenCredential token;

    public ServiceTokenRequest(AccessTokenCredential token) {
        this.token = token;
    }

    public AccessTokenCredential token() {
        return token;
    }
}
