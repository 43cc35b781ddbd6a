package computepool.billing.store;

import computepool.billing.domain.AccountKind;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Ledger accounts; writes join the caller's reactive transaction. */
@ApplicationScoped
public class AccountStore implements PanacheRepositoryBase<AccountRecord, UUID> {

    /** Opens one account of each developer kind; the unique key refuses a second opening. */
    public Uni<List<AccountRecord>> openDeveloperWallets(UUID developerId, String subject, Instant at) {
        List<AccountRecord> wallets = AccountKind.DEVELOPER_WALLETS.stream()
                .map(kind -> AccountRecord.forDeveloper(developerId, subject, kind, at))
                .toList();
        return persist(wallets.stream()).call(this::flush).replaceWith(wallets);
    }

    public Uni<List<AccountRecord>> bySubject(String subject) {
        return list("subject = ?1 order by kind", subject);
    }

    public Uni<Long> countForDeveloper(UUID developerId) {
        return count("developerId", developerId);
    }
}
