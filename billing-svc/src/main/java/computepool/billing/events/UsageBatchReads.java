package computepool.billing.events;

import computepool.billing.domain.AccountKind;
import computepool.billing.domain.HoldState;
import computepool.billing.domain.InferenceCharge;
import computepool.billing.domain.ModelPrice;
import computepool.billing.domain.PlatformFee;
import computepool.billing.domain.Posting;
import computepool.billing.domain.PriceBook;
import computepool.billing.domain.Spendable;
import computepool.billing.events.UsageBatchIngestion.NeedsOneByOne;
import computepool.events.EventEnvelope;
import computepool.usage.v1.InferenceUsage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a batch of usage charges reads before deciding them, one query each: the developers' wallets (locked, with
 * their balances), the credit's meters, every open hold by {@code open_holds}, the requests already booked, the
 * requests' holds (locked), prices, platform fees and operators' earnings accounts (opened where missing).
 */
final class UsageBatchReads {

    private UsageBatchReads() {
    }

    record Usage(EventEnvelope event, InferenceUsage usage, UUID developerId,
            List<InferenceCharge.WorkerServed> workers, Instant at) {
    }

    record Hold(UUID id, String requestId, UUID paidAccount, String meter, ModelPrice quoted, long amount,
            HoldState state, Instant expiresAt) {
    }

    /** A developer's funds as the batch's charges change them. */
    static final class Funds {

        final UUID developerId;
        final UUID paid;
        final UUID subsidised;
        long paidBalance;
        long subsidisedBalance;
        Set<String> meters = Set.of();
        /** Open holds (requests', buys', leases') by id: meter and amount. */
        final Map<UUID, Map.Entry<String, Long>> openHolds = new HashMap<>();

        Funds(UUID developerId, UUID paid, UUID subsidised) {
            this.developerId = developerId;
            this.paid = paid;
            this.subsidised = subsidised;
        }

        Spendable spendableExcept(Optional<UUID> holdId) {
            Map<String, Long> held = new HashMap<>();
            openHolds.forEach((id, hold) -> {
                if (holdId.filter(id::equals).isEmpty()) {
                    held.merge(hold.getKey(), hold.getValue(), Long::sum);
                }
            });
            return new Spendable(paidBalance, subsidisedBalance, meters, held);
        }

        void apply(List<Posting> postings) {
            for (Posting posting : postings) {
                if (posting.accountId().equals(paid)) {
                    paidBalance += posting.amountNanoUsd();
                } else if (posting.accountId().equals(subsidised)) {
                    subsidisedBalance += posting.amountNanoUsd();
                }
            }
        }
    }

    /** Everything the batch's charges read. */
    record Context(Map<UUID, Funds> funds, Set<String> booked, Map<String, Hold> holds,
            Map<String, PriceBook> prices, List<PlatformFee> fees, Map<String, UUID> operatorAccounts) {
    }

    /** Everything the batch's charges read, the developers' wallets locked first, in one order by every batch. */
    static Uni<Context> load(SqlConnection connection, List<Usage> todo, Instant now) {
        UUID[] developers = todo.stream().map(Usage::developerId).distinct().sorted().toArray(UUID[]::new);
        String[] requests = todo.stream().map(usage -> usage.usage().getRequestId()).distinct().toArray(String[]::new);
        String[] models = todo.stream().map(usage -> usage.usage().getModelId()).distinct().toArray(String[]::new);
        String[] operators = todo.stream().flatMap(usage -> InferenceBilling.operatorsOf(usage.workers()).stream())
                .distinct().sorted().toArray(String[]::new);
        Map<UUID, Funds> funds = new HashMap<>();
        // Locked in one order by every batch, so that two batches cannot wait for each other.
        return connection.preparedQuery("""
                        select id, kind, developer_id, balance_nano_usd from account
                        where developer_id = any($1::uuid[]) and kind in ('DEVELOPER_PAID', 'DEVELOPER_SUBSIDISED')
                        order by developer_id, kind for update""")
                .execute(Tuple.of(developers))
                .chain(rows -> {
                    Map<UUID, Map<AccountKind, UUID>> wallets = new HashMap<>();
                    Map<UUID, Long> balances = new HashMap<>();
                    rows.forEach(row -> {
                        wallets.computeIfAbsent(row.getUUID(2), ignored -> new HashMap<>())
                                .put(AccountKind.valueOf(row.getString(1)), row.getUUID(0));
                        balances.put(row.getUUID(0), row.getLong(3));
                    });
                    for (UUID developer : developers) {
                        Map<AccountKind, UUID> pair = wallets.get(developer);
                        if (pair == null || pair.size() != AccountKind.DEVELOPER_WALLETS.size()) {
                            throw new NeedsOneByOne("unknown developer " + developer);
                        }
                        Funds developerFunds = new Funds(developer, pair.get(AccountKind.DEVELOPER_PAID),
                                pair.get(AccountKind.DEVELOPER_SUBSIDISED));
                        developerFunds.paidBalance = balances.get(developerFunds.paid);
                        developerFunds.subsidisedBalance = balances.get(developerFunds.subsidised);
                        funds.put(developer, developerFunds);
                    }
                    UUID[] paidWallets = funds.values().stream().map(f -> f.paid).toArray(UUID[]::new);
                    UUID[] subsidisedWallets = funds.values().stream().map(f -> f.subsidised).toArray(UUID[]::new);
                    Map<UUID, Funds> byPaid = new HashMap<>();
                    Map<UUID, Funds> bySubsidised = new HashMap<>();
                    funds.values().forEach(f -> {
                        byPaid.put(f.paid, f);
                        bySubsidised.put(f.subsidised, f);
                    });
                    return meters(connection, subsidisedWallets, bySubsidised)
                            .chain(() -> openHolds(connection, paidWallets, now, byPaid))
                            .chain(() -> booked(connection, requests))
                            .chain(booked -> holds(connection, requests)
                                    .chain(holds -> prices(connection, models)
                                            .chain(prices -> fees(connection)
                                                    .chain(fees -> operatorAccounts(connection, operators, now)
                                                            .map(accounts -> new Context(funds, booked, holds, prices,
                                                                    fees, accounts))))));
                });
    }

    private static Uni<Void> meters(SqlConnection connection, UUID[] wallets, Map<UUID, Funds> bySubsidised) {
        return connection.preparedQuery("""
                        select account_id, meter from spendable_meter where account_id = any($1::uuid[])""")
                .execute(Tuple.of(wallets))
                .invoke(rows -> {
                    Map<UUID, Set<String>> meters = new HashMap<>();
                    rows.forEach(row -> meters.computeIfAbsent(row.getUUID(0), ignored -> new HashSet<>())
                            .add(row.getString(1)));
                    meters.forEach((account, set) -> {
                        if (bySubsidised.containsKey(account)) {
                            bySubsidised.get(account).meters = Set.copyOf(set);
                        }
                    });
                })
                .replaceWithVoid();
    }

    private static Uni<Void> openHolds(SqlConnection connection, UUID[] paidWallets, Instant now,
            Map<UUID, Funds> byPaid) {
        // Market buys' holds and gateways' leases count as well: usage must not spend them.
        return connection.preparedQuery("""
                        select paid_account_id, id, meter, amount_nano_usd from open_holds($1::uuid[], $2)""")
                .execute(Tuple.of(paidWallets, utc(now)))
                .invoke(rows -> rows.forEach(row -> byPaid.get(row.getUUID(0)).openHolds.put(row.getUUID(1),
                        Map.entry(row.getString(2), row.getLong(3)))))
                .replaceWithVoid();
    }

    private static Uni<Set<String>> booked(SqlConnection connection, String[] requests) {
        return connection.preparedQuery("""
                        select reference from ledger_transaction
                        where kind = 'inference' and reference = any($1::text[])""")
                .execute(Tuple.of((Object) requests))
                .map(rows -> {
                    Set<String> booked = new HashSet<>();
                    rows.forEach(row -> booked.add(row.getString(0)));
                    return booked;
                });
    }

    private static Uni<Map<String, Hold>> holds(SqlConnection connection, String[] requests) {
        return connection.preparedQuery("""
                        select id, request_id, paid_account_id, meter, model_id, prompt_nano_usd_per_million_tokens,
                               completion_nano_usd_per_million_tokens, amount_nano_usd, state, expires_at, placed_at
                        from hold where request_id = any($1::text[]) order by id for update""")
                .execute(Tuple.of((Object) requests))
                .map(rows -> {
                    Map<String, Hold> holds = new HashMap<>();
                    rows.forEach(row -> holds.put(row.getString(1), new Hold(row.getUUID(0), row.getString(1),
                            row.getUUID(2), row.getString(3), new ModelPrice(row.getString(4),
                                    row.getOffsetDateTime(10).toInstant(), row.getLong(5), row.getLong(6)),
                            row.getLong(7), HoldState.valueOf(row.getString(8)),
                            row.getOffsetDateTime(9).toInstant())));
                    return holds;
                });
    }

    private static Uni<Map<String, PriceBook>> prices(SqlConnection connection, String[] models) {
        return connection.preparedQuery("""
                        select model_id, valid_from, prompt_nano_usd_per_million_tokens,
                               completion_nano_usd_per_million_tokens
                        from model_price where model_id = any($1::text[])""")
                .execute(Tuple.of((Object) models))
                .map(rows -> {
                    Map<String, List<ModelPrice>> versions = new HashMap<>();
                    rows.forEach(row -> versions.computeIfAbsent(row.getString(0), ignored -> new ArrayList<>())
                            .add(new ModelPrice(row.getString(0), row.getOffsetDateTime(1).toInstant(),
                                    row.getLong(2), row.getLong(3))));
                    Map<String, PriceBook> books = new HashMap<>();
                    versions.forEach((model, list) -> books.put(model, new PriceBook(list)));
                    return books;
                });
    }

    private static Uni<List<PlatformFee>> fees(SqlConnection connection) {
        return connection.query("select valid_from, basis_points from platform_fee order by valid_from").execute()
                .map(rows -> {
                    List<PlatformFee> fees = new ArrayList<>();
                    rows.forEach(row -> fees.add(new PlatformFee(row.getOffsetDateTime(0).toInstant(),
                            row.getInteger(1))));
                    return fees;
                });
    }

    /** Opens the earnings accounts operators earn into for the first time, and returns all of them. */
    private static Uni<Map<String, UUID>> operatorAccounts(SqlConnection connection, String[] operators,
            Instant now) {
        if (operators.length == 0) {
            return Uni.createFrom().item(Map.of());
        }
        return connection.preparedQuery("""
                        insert into account (id, kind, operator_id, opened_at)
                        select gen_random_uuid(), 'OPERATOR_EARNINGS', operator, $2 from unnest($1::text[]) as operator
                        on conflict (operator_id, kind) where operator_id is not null do nothing""")
                .execute(Tuple.of(operators, utc(now)))
                .chain(() -> connection.preparedQuery("""
                                select operator_id, id from account
                                where kind = 'OPERATOR_EARNINGS' and operator_id = any($1::text[])""")
                        .execute(Tuple.of((Object) operators)))
                .map(rows -> {
                    Map<String, UUID> accounts = new HashMap<>();
                    rows.forEach(row -> accounts.put(row.getString(0), row.getUUID(1)));
                    return accounts;
                });
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
