package computepool.billing.api;

import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.Posting;
import computepool.billing.store.LedgerStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Administrators put money into a developer's wallet: a balanced ledger transaction from the top-ups (paid) or
 * subsidies (granted credit) account, booked once per reference.
 */
@Path("/v1/admin/developers/{developerId}/top-ups")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class TopUpResource {

    /** What a top-up booked, and the wallet's balance after it. */
    public record TopUpView(UUID transactionId, String wallet, long amountNanoUsd, long balanceNanoUsd) {
    }

    private final LedgerStore ledger;
    private final Clock clock;

    public TopUpResource(LedgerStore ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The top-up, booked, and the wallet's balance after it", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = TopUpView.class)))
    @APIResponse(responseCode = "409", description = "A top-up with this reference is booked already")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<Response> topUp(@PathParam("developerId") String developerId,
            @NotNull(message = "a JSON body is required") @Valid TopUpRequest body) {
        UUID developer = developerId(developerId);
        boolean paid = body.wallet().equals("paid");
        Instant now = clock.instant();
        return ledger.lockWallets(Optional.of(developer), Optional.empty()).chain(wallets -> {
            LedgerStore.Wallets found = wallets.orElseThrow(() -> noSuchDeveloper(developerId));
            UUID wallet = paid ? found.paid() : found.subsidised();
            LedgerEntry entry = new LedgerEntry(UUID.randomUUID(), LedgerEntry.TOP_UP, body.reference(), now, List.of(
                    new Posting(wallet, body.amountNanoUsd()),
                    new Posting(paid ? LedgerStore.TOP_UPS_RECEIVED : LedgerStore.SUBSIDIES_GRANTED,
                            -body.amountNanoUsd())));
            return ledger.book(entry, now).chain(booked -> {
                if (!booked) {
                    throw new ProblemException(Response.Status.CONFLICT, "reference",
                            "a top-up with this reference is booked already");
                }
                return ledger.walletBalance(wallet);
            }).map(balance -> Response.status(Response.Status.CREATED)
                    .entity(new TopUpView(entry.id(), body.wallet(), body.amountNanoUsd(), balance)).build());
        });
    }

    static UUID developerId(String developerId) {
        try {
            return UUID.fromString(developerId);
        } catch (IllegalArgumentException e) {
            throw noSuchDeveloper(developerId);
        }
    }

    static ProblemException noSuchDeveloper(String developerId) {
        return new ProblemException(Response.Status.NOT_FOUND, "billing has no wallets of developer " + developerId
                + " (yet: they open when identity-svc announces the developer)");
    }
}
