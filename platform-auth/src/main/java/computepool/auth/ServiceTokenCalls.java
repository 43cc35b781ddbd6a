package computepool.auth;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * Puts a service's {@link ServiceToken} on every call of a gRPC client: each service makes it the
 * {@code @GlobalInterceptor} of its {@code @GrpcClient}s, whose servers authorize each call by the token. Channels a
 * service builds itself (to shard workers, on operators' machines) do not pass through it, so the token never
 * reaches an operator.
 */
public class ServiceTokenCalls implements ClientInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final CallCredentials credentials;

    public ServiceTokenCalls(ServiceToken token) {
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
