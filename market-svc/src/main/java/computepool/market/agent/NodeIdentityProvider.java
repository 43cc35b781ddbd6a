package computepool.market.agent;

import computepool.market.store.NodeCredentialHolders;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

/**
 * A working node credential makes its caller the node's worker: principal the node id, role {@value #ROLE}, and the
 * node's operator as attribute {@value #OPERATOR}. Anything else fails authentication.
 */
@Singleton
public class NodeIdentityProvider implements IdentityProvider<NodeCredentialRequest> {

    static final String ROLE = "shard-worker";
    static final String OPERATOR = "operator-id";

    private final NodeCredentialHolders holders;

    public NodeIdentityProvider(NodeCredentialHolders holders) {
        this.holders = holders;
    }

    @Override
    public Class<NodeCredentialRequest> getRequestType() {
        return NodeCredentialRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(NodeCredentialRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            try {
                return holders.of(request.secret())
                        .map(holder -> (SecurityIdentity) QuarkusSecurityIdentity.builder()
                                .setPrincipal(new QuarkusPrincipal(holder.nodeId().toString()))
                                .addRole(ROLE)
                                .addAttribute(OPERATOR, holder.operatorId())
                                .build())
                        .orElseThrow(() -> new AuthenticationFailedException("not a working node credential"));
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("cannot look up a node credential: " + e.getMessage(), e);
            }
        });
    }
}
