package computepool.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.quarkus.grpc.auth.AuthExceptionHandler;
import io.quarkus.grpc.auth.AuthExceptionHandlerProvider;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.UnauthorizedException;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

/**
 * The status a refused internal call gets. Quarkus answers every security failure {@code PERMISSION_DENIED}; a caller
 * that presented no token, or one that does not verify, is told {@code UNAUTHENTICATED} instead, so that it can tell
 * "who are you?" from "not you".
 */
@Singleton
// An alternative, so that it, not Quarkus' default, is the one provider the gRPC runtime resolves.
@Alternative
@Priority(1)
public class ServiceAuthFailures implements AuthExceptionHandlerProvider {

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1;
    }

    @Override
    public <ReqT, RespT> AuthExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
            ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new AuthExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable failure, ServerCall<ReqT, RespT> call, Metadata metadata) {
                if (failure instanceof SecurityException) {
                    call.close(status(failure), metadata);
                } else {
                    super.handleException(failure, call, metadata);
                }
            }
        };
    }

    @Override
    public boolean handlesException(Throwable failure) {
        return failure instanceof SecurityException;
    }

    @Override
    public StatusException transformToStatusException(Throwable failure) {
        return status(failure).asException();
    }

    static Status status(Throwable failure) {
        if (failure instanceof AuthenticationException || failure instanceof UnauthorizedException) {
            return Status.UNAUTHENTICATED.withDescription(
                    "internal gRPC needs a valid service token in 'authorization: Bearer <token>'");
        }
        return Status.PERMISSION_DENIED.withDescription("the caller's role may not call this method");
    }
}
