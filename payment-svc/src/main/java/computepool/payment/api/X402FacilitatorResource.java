package computepool.payment.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.payment.chain.Chain;
import computepool.payment.x402.X402;
import computepool.payment.x402.X402Config;
import computepool.payment.x402.X402Facilitator;
import computepool.problems.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The x402 facilitator API, versions 1 and 2: the platform's resource servers (the gateway, by its service token)
 * ask it to verify a payment and to settle it on chain; what it supports is public. A payment that does not verify
 * is an answer, not an error: {@code isValid: false} (or {@code success: false}) with the x402 reason. A body that is
 * not such a document at all is a 400; its {@code x402Version} says which version's document it must be.
 */
@Path("/")
@RolesAllowed(X402FacilitatorResource.RESOURCE_SERVER)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class X402FacilitatorResource {

    /** The realm role of the services that may have payments verified and settled: the gateway's. */
    static final String RESOURCE_SERVER = "gateway-svc";

    private final X402Facilitator facilitator;
    private final X402Config config;
    private final Chain chain;
    private final ObjectMapper mapper;
    private final Validator validator;

    public X402FacilitatorResource(X402Facilitator facilitator, X402Config config, Chain chain, ObjectMapper mapper,
            Validator validator) {
        this.facilitator = facilitator;
        this.config = config;
        this.chain = chain;
        this.mapper = mapper;
        this.validator = validator;
    }

    @GET
    @PermitAll
    @Path("supported")
    public X402.Supported supported() {
        List<X402.Kind> kinds = List.of(new X402.Kind(X402.V1, X402.EXACT, facilitator.network()),
                new X402.Kind(X402.V2, X402.EXACT, facilitator.network()));
        return new X402.Supported(kinds, List.of(), Map.of("eip155:*", List.of(chain.treasury().getAddress())));
    }

    @POST
    @Path("verify")
    public X402.VerifyResponse verify(@RequestBody(required = true, content = @Content(schema = @Schema(
            oneOf = { X402.FacilitatorRequestV1.class, X402.FacilitatorRequestV2.class }))) JsonNode body)
            throws Exception {
        return facilitator.verify(read(body));
    }

    @POST
    @Path("settle")
    @APIResponse(responseCode = "200", description = "How the settlement went", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = X402.SettleResponse.class)))
    @APIResponse(responseCode = "503", description = "Too many settlements are waiting for their transactions; retry "
            + "shortly", content = @Content(mediaType = "application/problem+json",
            schema = @Schema(ref = "Problem")))
    public Uni<X402.SettleResponse> settle(@RequestBody(required = true, content = @Content(schema = @Schema(
            oneOf = { X402.FacilitatorRequestV1.class, X402.FacilitatorRequestV2.class }))) JsonNode body)
            throws IOException {
        X402.FacilitatorRequest request = read(body);
        Duration longest = config.longestWait();
        Integer timeout = request.voucher().maxTimeoutSeconds();
        Duration wait = timeout <= 0 ? longest : Duration.ofSeconds(Math.min(timeout, longest.toSeconds()));
        return facilitator.settle(request, wait).onFailure(X402Facilitator.SettlementsBusy.class)
                .transform(busy -> new ProblemException(Response.Status.SERVICE_UNAVAILABLE, busy.getMessage()));
    }

    /** The body as the version it names, each field checked: anything else is a 400 naming the field. */
    private X402.FacilitatorRequest read(JsonNode body) throws IOException {
        if (body == null || !body.isObject()) {
            throw invalid("body", "a JSON object is required");
        }
        JsonNode version = body.get("x402Version");
        if (version == null || version.isNull()) {
            throw invalid("x402Version", "is required");
        }
        Class<? extends X402.FacilitatorRequest> type;
        if (version.isNumber() && version.canConvertToExactIntegral() && version.asInt() == X402.V1) {
            type = X402.FacilitatorRequestV1.class;
        } else if (version.isNumber() && version.canConvertToExactIntegral() && version.asInt() == X402.V2) {
            type = X402.FacilitatorRequestV2.class;
        } else {
            throw invalid("x402Version", "must be 1 or 2");
        }
        // Read by the service's own mapper: unknown fields and mistyped scalars are refused as in any other body.
        X402.FacilitatorRequest request = mapper.treeToValue(body, type);
        Set<ConstraintViolation<X402.FacilitatorRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return request;
    }

    private static ProblemException invalid(String field, String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, field, detail);
    }
}
