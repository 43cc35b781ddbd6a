package computepool.gateway.auth;

import computepool.auth.ServiceToken;
import computepool.auth.ServiceTokenCalls;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.oidc.client.OidcClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Puts the gateway's own token (Keycloak client {@code gateway-svc}) on every call of its {@code @GrpcClient}s:
 * identity-svc, market-svc and billing-svc authorize each call by it. The channels to shard workers are built by
 * shard-client, not by Quarkus, so this never sends the token to an operator's machine.
 */
@GlobalInterceptor
@Singleton
public class ServiceTokenInterceptor extends ServiceTokenCalls {

    public ServiceTokenInterceptor(ServiceToken token) {
        super(token);
    }

    /** The one token of the gateway, also presented to payment-svc's facilitator. */
    @Produces
    @Singleton
    static ServiceToken serviceToken(OidcClient keycloak, Clock clock) {
        return new ServiceToken(keycloak, clock);
    }
}
