package computepool.journeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Plain gRPC clients of a service's internal port, as callers with or without credentials make them: nothing on the
 * call, a bearer token (a user's or a service's), or a node credential.
 */
final class InternalCallers implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;

    InternalCallers(int port) {
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    ManagedChannel channel() {
        return channel;
    }

    /** The stub with {@code authorization: <value>} on every call. */
    static <S extends AbstractStub<S>> S presenting(S stub, String authorization) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, authorization);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static <S extends AbstractStub<S>> S bearing(S stub, String token) {
        return presenting(stub, "Bearer " + token);
    }

    static <S extends AbstractStub<S>> S anonymous(S stub) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Asserts that the call fails with {@code expected}; {@code what} names the attempt in the failure. */
    static void refused(Status.Code expected, String what, Supplier<?> call) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call::get,
                what + " was answered");
        assertEquals(expected, refused.getStatus().getCode(), what + ": " + refused.getStatus().getDescription());
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
