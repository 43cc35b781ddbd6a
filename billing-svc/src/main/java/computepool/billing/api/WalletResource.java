package computepool.billing.api;

import computepool.billing.store.AccountRecord;
import computepool.billing.store.AccountStore;
import computepool.billing.store.LedgerStore;
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
import java.util.ArrayList;
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
    private final LedgerStore ledger;

    public WalletResource(JsonWebToken token, AccountStore accounts, LedgerStore ledger) {
        this.token = token;
        this.accounts = accounts;
        this.ledger = ledger;
    }

    @GET
    @WithSession
    public Uni<List<WalletView>> mine() {
        return accounts.bySubject(token.getSubject()).map(rows -> {
            if (rows.isEmpty()) {
                throw new ProblemException(Response.Status.NOT_FOUND,
                        "no wallets yet: they open once identity-svc has created your developer profile");
            }
            return rows;
        }).chain(rows -> {
            List<WalletView> views = new ArrayList<>();
            Uni<Void> read = Uni.createFrom().voidItem();
            for (AccountRecord account : rows) {
                read = read.chain(() -> ledger.balance(account.id).invoke(balance -> views.add(new WalletView(
                        account.id, account.kind.name(), account.developerId, account.openedAt, balance)))
                        .replaceWithVoid());
            }
            return read.replaceWith(views);
        });
    }
}
