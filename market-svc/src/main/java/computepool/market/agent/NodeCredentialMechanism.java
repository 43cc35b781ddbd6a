package computepool.market.agent;

import io.grpc.Metadata;
import io.quarkus.grpc.auth.GrpcSecurityMechanism;
import io.quarkus.security.identity.request.AuthenticationRequest;
import jakarta.inject.Singleton;

/**
 * Reads a node's credential from a worker's gRPC call: {@code authorization: Node cpn_…}, a scheme of its own so that
 * it is never mistaken for a service token.
 */
@Singleton
public class NodeCredentialMechanism implements GrpcSecurityMechanism {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final String SCHEME = "Node ";

    @Override
    public boolean handles(Metadata metadata) {
        String header = metadata.get(AUTHORIZATION);
        return header != null && header.startsWith(SCHEME);
    }

    @Override
    public AuthenticationRequest createAuthenticationRequest(Metadata metadata) {
        return new NodeCredentialRequest(metadata.get(AUTHORIZATION).substring(SCHEME.length()).strip());
    }
}
