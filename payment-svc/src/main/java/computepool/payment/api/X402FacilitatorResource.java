package computepool.payment.api;

import computepool.payment.x402.X402;
import computepool.payment.x402.X402Facilitator;
import jakarta.annotation.security.PermitAll;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.List;

/**
 * The x402 facilitator API (version 1): resource servers, the gateway among them, ask it to verify a payment and to
 * settle it on chain. A payment that does not verify is an answer, not an error: {@code isValid: false} (or
 * {@code success: false}) with the x402 reason. A body that is not such a document at all is a 400.
 */
@Path("/")
@PermitAll
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class X402FacilitatorResource {

    /** Settling waits for the transaction at most this long, or the requirements' maxTimeoutSeconds if shorter. */
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(60);

    private final X402Facilitator facilitator;

    public X402FacilitatorResource(X402Facilitator facilitator) {
        this.facilitator = facilitator;
    }

    @GET
    @Path("supported")
    public X402.Supported supported() {
        return new X402.Supported(List.of(new X402.Kind(X402.VERSION, X402.EXACT, facilitator.network())));
    }

    @POST
    @Path("verify")
    public X402.VerifyResponse verify(@NotNull(message = "a JSON body is required") @Valid X402.FacilitatorRequest request)
            throws Exception {
        return facilitator.verify(request);
    }

    @POST
    @Path("settle")
    public X402.SettleResponse settle(@NotNull(message = "a JSON body is required") @Valid X402.FacilitatorRequest request)
            throws Exception {
        Integer timeout = request.paymentRequirements() == null ? null : request.paymentRequirements().maxTimeoutSeconds();
        Duration wait = timeout == null || timeout <= 0 ? LONGEST_WAIT
                : Duration.ofSeconds(Math.min(timeout, LONGEST_WAIT.toSeconds()));
        return facilitator.settle(request, wait);
    }
}
