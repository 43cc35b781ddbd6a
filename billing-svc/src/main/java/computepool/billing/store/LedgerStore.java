package computepool.billing.store;

import computepool.billing.domain.AccountKind;
import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.Posting;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheQuery;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * The ledger's reads and writes, all inside the caller's reactive transaction. The database guards what matters
 * whatever the code does: a transaction that does not balance fails at commit, postings cannot be changed or
 * deleted, and a (kind, reference) is booked once.
 */
@ApplicationScoped
public class LedgerStore {

    /** Created by the schema migration: the platform has one revenue account. */
    public static final UUID PLATFORM_REVENUE = UUID.fromString("00000000-0000-0000-0000-00000000f001");
    /** Created by the schema migration: the counterpart of paid top-ups. */
    public static final UUID TOP_UPS_RECEIVED = UUID.fromString("00000000-0000-0000-0000-00000000f002");
    /** Created by the schema migration: the counterpart of granted credit. */
    public static final UUID SUBSIDIES_GRANTED = UUID.fromString("00000000-0000-0000-0000-00000000f003");
    /** Created by the schema migration: the counterpart of operators' payouts. */
    public static final UUID OPERATOR_PAYOUTS = UUID.fromString("00000000-0000-0000-0000-00000000f004");
    /** Created by the schema migration: the counterpart of requests paid by x402 vouchers. */
    public static final UUID VOUCHERS_RECEIVED = UUID.fromString("00000000-0000-0000-0000-00000000f005");
    /** Created by the schema migration: where slashed operators' forfeited earnings go. */
    public static final UUID OPERATOR_FORFEITS = UUID.fromString("00000000-0000-0000-0000-00000000f006");
    /** Created by the schema migration: vouchers settled on chain whose requests are not served yet. */
    public static final UUID VOUCHERS_UNSERVED = UUID.fromString("00000000-0000-0000-0000-00000000f007");

    private final AccountStore accounts;

    public LedgerStore(AccountStore accounts) {
        this.accounts = accounts;
    }

    /** A developer's two wallets, with their balances as of locking them. */
    public record Wallets(UUID developerId, UUID paid, UUID subsidised, long paidBalance, long subsidisedBalance) {
    }

    /**
     * A developer's wallets, locked until the transaction ends so that charges and holds of one developer are applied
     * one after the other against the balance each leaves. Found by developer id or, for a Keycloak login, by the
     * subject (should identity-svc have announced several developers of one subject, the newest); empty for a
     * developer billing has not heard of.
     */
    public Uni<Optional<Wallets>> lockWallets(Optional<UUID> developerId, Optional<String> subject) {
        // Locked in the order every writer locks wallets (developer, then kind), or two writers can deadlock.
        return walletRows(developerId, subject).withLock(LockModeType.PESSIMISTIC_WRITE).list()
                .map(LedgerStore::newestWallets);
    }

    /** The developer's wallets as {@link #lockWallets} finds them, not locked: who they are, not what they hold. */
    public Uni<Optional<Wallets>> wallets(Optional<UUID> developerId, Optional<String> subject) {
        return walletRows(developerId, subject).list().map(LedgerStore::newestWallets);
    }

    private PanacheQuery<AccountRecord> walletRows(Optional<UUID> developerId,
            Optional<String> subject) {
        String query = developerId.isPresent() ? "developerId = ?1 and kind in ?2" : "subject = ?1 and kind in ?2";
        Object key = developerId.isPresent() ? developerId.get() : subject.orElseThrow();
        return accounts.find(query + " order by developerId, kind", key, AccountKind.DEVELOPER_WALLETS);
    }

    /**
     * The wallets of the developers these Keycloak subjects sign in as (each the newest of its subject, as
     * {@link #lockWallets} finds it), all locked at once in the one order every writer locks wallets in; a subject of
     * no developer billing has heard of is missing from the answer.
     */
    public Uni<Map<String, Wallets>> lockWalletsOfSubjects(Collection<String> subjects) {
        return accounts.find("subject in ?1 and kind in ?2 order by developerId, kind", Set.copyOf(subjects),
                        AccountKind.DEVELOPER_WALLETS)
                .withLock(LockModeType.PESSIMISTIC_WRITE).list()
                .map(rows -> {
                    Map<String, List<AccountRecord>> bySubject = new HashMap<>();
                    rows.forEach(row -> bySubject.computeIfAbsent(row.subject, ignored -> new ArrayList<>()).add(row));
                    Map<String, Wallets> wallets = new HashMap<>();
                    bySubject.forEach((subject, ofSubject) -> newestWallets(ofSubject)
                            .ifPresent(found -> wallets.put(subject, found)));
                    return wallets;
                });
    }

    /** The wallets of the newest developer among these rows (of one developer id or one subject). */
    private static Optional<Wallets> newestWallets(List<AccountRecord> rows) {
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        UUID developer = rows.stream()
                .max(Comparator.comparing((AccountRecord row) -> row.openedAt).thenComparing(row -> row.developerId))
                .orElseThrow().developerId;
        Map<AccountKind, AccountRecord> byKind = new EnumMap<>(AccountKind.class);
        rows.stream().filter(row -> row.developerId.equals(developer)).forEach(row -> byKind.put(row.kind, row));
        if (byKind.size() != AccountKind.DEVELOPER_WALLETS.size()) {
            return Optional.empty();
        }
        AccountRecord paid = byKind.get(AccountKind.DEVELOPER_PAID);
        AccountRecord subsidised = byKind.get(AccountKind.DEVELOPER_SUBSIDISED);
        return Optional.of(new Wallets(developer, paid.id, subsidised.id, paid.balanceNanoUsd,
                subsidised.balanceNanoUsd));
    }

    /** The meters the subsidised wallet's credit may pay for; empty for every meter. */
    public Uni<Set<String>> spendableMeters(UUID subsidisedWallet) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                        "select meter from spendable_meter where account_id = :account", String.class)
                .setParameter("account", subsidisedWallet)
                .getResultList())
                .map(Set::copyOf);
    }

    /** Replaces the meters the subsidised wallet's credit may pay for; empty for every meter. */
    public Uni<Void> limitSpending(UUID subsidisedWallet, Set<String> meters) {
        return Panache.getSession().chain(session -> {
            Uni<Void> replaced = session.createNativeQuery("delete from spendable_meter where account_id = :account")
                    .setParameter("account", subsidisedWallet)
                    .executeUpdate().replaceWithVoid();
            for (String meter : meters) {
                replaced = replaced.chain(() -> session.createNativeQuery(
                                "insert into spendable_meter (account_id, meter) values (:account, :meter)")
                        .setParameter("account", subsidisedWallet)
                        .setParameter("meter", meter)
                        .executeUpdate().replaceWithVoid());
            }
            return replaced;
        });
    }

    /**
     * A developer wallet's balance: the sum of its postings, kept on its account row by the database (see
     * {@code V6__wallet_balances.sql}), so reading it does not grow with the wallet's history.
     */
    public Uni<Long> walletBalance(UUID walletId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                        "select balance_nano_usd from account where id = :account", Long.class)
                .setParameter("account", walletId)
                .getSingleResult());
    }

    /** The operator's earnings account, opened on its first earning. */
    public Uni<UUID> operatorAccount(String operatorId, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        insert into account (id, kind, operator_id, opened_at) values (:id, 'OPERATOR_EARNINGS', :operator, :at)
                        on conflict (operator_id, kind) where operator_id is not null do nothing""")
                .setParameter("id", UUID.randomUUID())
                .setParameter("operator", operatorId)
                .setParameter("at", at.atOffset(ZoneOffset.UTC))
                .executeUpdate()
                .chain(() -> session.createNativeQuery(
                                "select id from account where operator_id = :operator and kind = 'OPERATOR_EARNINGS'",
                                UUID.class)
                        .setParameter("operator", operatorId)
                        .getSingleResult()));
    }

    /** Books the entry, unless its (kind, reference) is booked already; returns whether it was booked now. */
    public Uni<Boolean> book(LedgerEntry entry, Instant recordedAt) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        insert into ledger_transaction (id, kind, reference, occurred_at, recorded_at)
                        values (:id, :kind, :reference, :occurred, :recorded)
                        on conflict (kind, reference) do nothing""")
                .setParameter("id", entry.id())
                .setParameter("kind", entry.kind())
                .setParameter("reference", entry.reference())
                .setParameter("occurred", entry.occurredAt().atOffset(ZoneOffset.UTC))
                .setParameter("recorded", recordedAt.atOffset(ZoneOffset.UTC))
                .executeUpdate()
                .chain(inserted -> inserted == 0
                        ? Uni.createFrom().item(false)
                        : insertPostings(session, entry).replaceWith(true)));
    }

    private static Uni<Void> insertPostings(Mutiny.Session session, LedgerEntry entry) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Posting posting : entry.postings()) {
            chain = chain.chain(() -> session.createNativeQuery("""
                            insert into posting (transaction_id, account_id, amount_nano_usd)
                            values (:transaction, :account, :amount)""")
                    .setParameter("transaction", entry.id())
                    .setParameter("account", posting.accountId())
                    .setParameter("amount", posting.amountNanoUsd())
                    .executeUpdate()
                    .replaceWithVoid());
        }
        return chain;
    }
}
