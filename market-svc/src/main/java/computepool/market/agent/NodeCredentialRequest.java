package computepool.market.agent;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A node credential that came with a worker's call ({@code authorization: Node cpn_…}). */
final class NodeCredentialRequest extends BaseAuthenticationRequest {

    private final String secret;

    NodeCredentialRequest(String secret) {
        this.secret = secret;
    }

    String secret() {
        return secret;
    }
}
