package computepool.payment.api;

import computepool.payment.pay.PayStore;
import computepool.problems.ProblemException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.Locale;

/**
 * Where an operator is paid: the address that the pools' units, distributions and claims are for. It is set once;
 * a different address later is refused, because what the pools paid is counted per address.
 */
@Path("/v1/admin/operators/{operatorId}/payout-address")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class OperatorPayeeResource {

    public record PayoutAddress(
            @NotNull(message = "is required") @Pattern(regexp = "0x[0-9a-fA-F]{40}", message = "must be 0x and 40 hex digits")
            String address) {
    }

    private final PayStore store;
    private final Clock clock;

    public OperatorPayeeResource(PayStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public PayoutAddress set(@PathParam("operatorId") String operatorId,
            @NotNull(message = "a JSON body is required") @Valid PayoutAddress body) {
        if (operatorId.isBlank() || operatorId.length() > 200) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "operatorId", "must be 1 to 200 characters");
        }
        String address = body.address().toLowerCase(Locale.ROOT);
        store.payee(operatorId).filter(existing -> !existing.equals(address)).ifPresent(existing -> {
            throw new ProblemException(Response.Status.CONFLICT, "address", "operator " + operatorId
                    + " is already paid at " + existing + "; a payout address cannot change");
        });
        store.setPayee(operatorId, address, clock.instant());
        return new PayoutAddress(address);
    }

    @GET
    public PayoutAddress get(@PathParam("operatorId") String operatorId) {
        return store.payee(operatorId).map(PayoutAddress::new)
                .orElseThrow(() -> new ProblemException(Response.Status.NOT_FOUND, "operator " + operatorId
                        + " has no payout address"));
    }
}
