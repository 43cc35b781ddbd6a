package computepool.market.funding;

import computepool.auth.ServiceToken;
import computepool.auth.ServiceTokenCalls;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.oidc.client.OidcClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Puts market-svc's own token (Keycloak client {@code market-svc}) on every call of its {@code @GrpcClient}s:
 * billing-svc authorizes each call by it. Shard workers call market-svc, never the other way, so no operator's
 * machine is sent the token.
 */
@GlobalInterceptor
@Singleton
public class ServiceTokenInterceptor extends ServiceTokenCalls {

    public ServiceTokenInterceptor(ServiceToken token) {
        super(token);
    }

    @Produces
    @Singleton
    static ServiceToken serviceToken(OidcClient keycloak, Clock clock) {
        return new ServiceToken(keycloak, clock);
    }
}
