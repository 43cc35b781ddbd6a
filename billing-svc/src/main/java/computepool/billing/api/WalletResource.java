package computepool.billing.api;

import computepool.billing.store.AccountStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The signed-in developer's wallets, opened when identity-svc announced the developer. */
@Path("/v1/wallets/me")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class WalletResource {

    /** One wallet as the API shows it; the balance is the sum of its postings. */
    public record WalletView(UUID id, String kind, UUID developerId, Instant openedAt, long balanceNanoUsd) {
    }

    private final JsonWebToken token;
    private final AccountStore accounts;

    public WalletResource(JsonWebToken token, AccountStore accounts) {
        this.token = token;
        this.accounts = accounts;
    }

    @GET
    @WithSession
    public Uni<List<WalletView>> mine() {
        return accounts.bySubject(token.getSubject()).map(rows -> {
            if (rows.isEmpty()) {
                throw new ProblemException(Response.Status.NOT_FOUND,
                        "no wallets yet: they open once identity-svc has created your developer profile");
            }
            return rows.stream().map(account -> new WalletView(account.id, account.kind.name(), account.developerId,
                    account.openedAt, account.balanceNanoUsd)).toList();
        });
    }
}
