package computepool.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.function.Executable;

/**
 * Tests' calls to a service's internal gRPC port: as a caller with a token, and the refusals a caller without the
 * right one must get.
 */
public final class InternalCalls {

    private InternalCalls() {
    }

    public static ManagedChannel channel(int port) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** {@code stub} presenting {@code token} as its bearer on every call. */
    public static <S extends AbstractStub<S>> S bearing(S stub, String token) {
        Metadata headers = new Metadata();
        headers.put(ServiceTokenMechanism.AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Fails unless {@code call} is refused with {@code code}. */
    public static void assertRefused(Status.Code code, Executable call) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, refused.getStatus().getCode(), () -> "refused with " + refused.getStatus());
    }

    /**
     * A token of the right shape that Keycloak never signed: the payload claims every role, the signature is the
     * base64 of nonsense.
     */
    public static String forgedToken() {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String payload = "{\"sub\":\"stranger\",\"aud\":\"computepool-api\","
                + "\"realm_access\":{\"roles\":[\"gateway-svc\",\"admin\"]},\"exp\":4102444800}";
        return base64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString("not a signature".getBytes(StandardCharsets.UTF_8));
    }
}
