package computepool.payment.api;

import computepool.payment.chain.ChainAction;
import computepool.payment.chain.ChainActionStore;
import computepool.payment.chain.ChainActions;
import computepool.problems.ProblemException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Operators of the platform move the treasury's tokens through chain actions: each call is recorded under its
 * {@code Idempotency-Key} and carried out by the processor; the answer is the action as recorded (202), to be
 * followed at {@code GET /v1/admin/chain/actions/{id}}.
 */
@Path("/v1/admin/chain")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class ChainActionResource {

    /** A transfer of the token from the treasury; {@code amount} in the token's base units (6 decimals). */
    public record TransferRequest(
            @NotNull(message = "is required") @Pattern(regexp = "0x[0-9a-fA-F]{40}", message = "must be 0x and 40 hex digits")
            String to,
            @NotNull(message = "is required") @Positive(message = "must be positive") BigInteger amount) {
    }

    public record ChainActionView(UUID id, String idempotencyKey, String kind, String state, int attempts, Long nonce,
            String txHash, Long blockNumber, String failure, Instant proposedAt, Instant submittedAt, Instant settledAt) {

        static ChainActionView of(ChainAction action) {
            return new ChainActionView(action.id(), action.idempotencyKey(), action.kind(), action.state().name(),
                    action.attempts(), action.nonce().orElse(null), action.txHash().orElse(null),
                    action.blockNumber().orElse(null), action.failure().orElse(null), action.proposedAt(),
                    action.submittedAt().orElse(null), action.settledAt().orElse(null));
        }
    }

    private final ChainActions actions;
    private final ChainActionStore store;

    public ChainActionResource(ChainActions actions, ChainActionStore store) {
        this.actions = actions;
        this.store = store;
    }

    @POST
    @Path("/transfers")
    @Consumes(MediaType.APPLICATION_JSON)
    public RestResponse<ChainActionView> transfer(@HeaderParam("Idempotency-Key") String idempotencyKey,
            @NotNull(message = "a JSON body is required") @Valid TransferRequest body) {
        if (idempotencyKey == null || idempotencyKey.isBlank() || idempotencyKey.length() > 200) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "Idempotency-Key",
                    "the Idempotency-Key header is required, 1 to 200 characters");
        }
        ChainAction action;
        try {
            action = actions.transferFromTreasury(idempotencyKey, body.to(), body.amount());
        } catch (ChainActions.IdempotencyConflict e) {
            throw new ProblemException(Response.Status.CONFLICT, "Idempotency-Key", e.getMessage());
        }
        return RestResponse.ResponseBuilder.<ChainActionView>create(RestResponse.Status.ACCEPTED)
                .location(URI.create("/v1/admin/chain/actions/" + action.id()))
                .entity(ChainActionView.of(action))
                .build();
    }

    @GET
    @Path("/actions/{id}")
    public ChainActionView action(@PathParam("id") UUID id) {
        return store.find(id).map(ChainActionView::of)
                .orElseThrow(() -> new ProblemException(Response.Status.NOT_FOUND, "no chain action " + id));
    }
}
