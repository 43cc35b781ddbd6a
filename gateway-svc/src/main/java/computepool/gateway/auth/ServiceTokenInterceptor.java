package computepool.gateway.auth;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Executor;

/**
 * Puts the gateway's {@link ServiceToken} on every call of its {@code @GrpcClient}s: identity-svc, market-svc and
 * billing-svc authorize each call by it. The channels to shard workers are built by shard-client, not by Quarkus, so
 * this never sends the token to an operator's machine.
 */
@GlobalInterceptor
@ApplicationScoped
public class ServiceTokenInterceptor implements ClientInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final CallCredentials credentials;

    public ServiceTokenInterceptor(ServiceToken token) {
        this.credentials = new BearerCredentials(token);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
            CallOptions options, Channel next) {
        return next.newCall(method, options.withCallCredentials(credentials));
    }

    /** Call credentials rather than a header set in the interceptor: fetching a token must not block the caller. */
    private static final class BearerCredentials extends CallCredentials {

        private final ServiceToken token;

        BearerCredentials(ServiceToken token) {
            this.token = token;
        }

        @Override
        public void applyRequestMetadata(RequestInfo request, Executor executor, MetadataApplier applier) {
            token.get().subscribe().with(
                    value -> {
                        Metadata headers = new Metadata();
                        headers.put(AUTHORIZATION, "Bearer " + value);
                        applier.apply(headers);
                    },
                    failure -> applier.fail(Status.UNAVAILABLE
                            .withDescription("the gateway has no service token from Keycloak: " + failure.getMessage())
                            .withCause(failure)));
        }
    }
}
