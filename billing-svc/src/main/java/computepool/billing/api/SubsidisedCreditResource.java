package computepool.billing.api;

import computepool.billing.domain.Meter;
import computepool.billing.store.LedgerStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Administrators limit what a developer's subsidised credit pays for: only the meters named (a grant for inference
 * alone, say), or every meter. Usage on other meters is paid from the paid wallet, and holds for it must fit there.
 */
@Path("/v1/admin/developers/{developerId}/subsidised-credit")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class SubsidisedCreditResource {

    /** @param meters the meters the credit pays for, sorted; empty for every meter */
    public record SpendingLimitView(List<String> meters) {
    }

    private final LedgerStore ledger;

    public SubsidisedCreditResource(LedgerStore ledger) {
        this.ledger = ledger;
    }

    @GET
    @WithTransaction
    public Uni<SpendingLimitView> limit(@PathParam("developerId") String developerId) {
        return subsidisedWallet(developerId).chain(ledger::spendableMeters).map(SubsidisedCreditResource::view);
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<SpendingLimitView> limit(@PathParam("developerId") String developerId,
            @NotNull(message = "a JSON body is required") @Valid SpendingLimitRequest body) {
        Set<String> meters = new LinkedHashSet<>();
        for (int i = 0; i < body.meters().size(); i++) {
            String meter = body.meters().get(i);
            if (!Meter.ALL.contains(meter)) {
                throw new ProblemException(Response.Status.BAD_REQUEST, "meters[" + i + "]",
                        "'" + meter + "' is not a meter; meters are " + new TreeSet<>(Meter.ALL));
            }
            meters.add(meter);
        }
        return subsidisedWallet(developerId)
                .chain(wallet -> ledger.limitSpending(wallet, meters).replaceWith(view(meters)));
    }

    private Uni<UUID> subsidisedWallet(String developerId) {
        UUID developer = TopUpResource.developerId(developerId);
        return ledger.lockWallets(Optional.of(developer), Optional.empty()).map(wallets -> wallets
                .orElseThrow(() -> TopUpResource.noSuchDeveloper(developerId)).subsidised());
    }

    private static SpendingLimitView view(Set<String> meters) {
        return new SpendingLimitView(List.copyOf(new TreeSet<>(meters)));
    }
}
