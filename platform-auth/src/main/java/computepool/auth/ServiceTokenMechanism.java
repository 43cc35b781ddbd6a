package computepool.auth;

import io.grpc.Metadata;
import io.quarkus.grpc.auth.GrpcSecurityMechanism;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.request.AuthenticationRequest;
import jakarta.inject.Singleton;
import java.util.Locale;

/**
 * Reads the caller's token from an internal gRPC call's {@code authorization: Bearer …} header. A call without one
 * stays anonymous, and {@code @RolesAllowed} on the service answers it {@code UNAUTHENTICATED}; a token Keycloak did
 * not sign, or one that has expired, fails authentication the same way; a valid token of a role the method does not
 * allow gets {@code PERMISSION_DENIED}.
 */
@Singleton
public class ServiceTokenMechanism implements GrpcSecurityMechanism {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "bearer ";

    @Override
    public boolean handles(Metadata metadata) {
        String header = metadata.get(AUTHORIZATION);
        return header != null && header.length() > BEARER.length()
                && header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER);
    }

    @Override
    public AuthenticationRequest createAuthenticationRequest(Metadata metadata) {
        return new ServiceTokenRequest(new AccessTokenCredential(metadata.get(AUTHORIZATION).substring(BEARER.length()).strip()));
    }
}
