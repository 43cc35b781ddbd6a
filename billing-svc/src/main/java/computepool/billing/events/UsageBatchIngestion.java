package computepool.billing.events;

import computepool.billing.config.BillingConfig;
import computepool.billing.domain.HoldState;
import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.Meter;
import computepool.billing.domain.ModelPrice;
import computepool.billing.domain.PlatformFee;
import computepool.billing.domain.Posting;
import computepool.billing.domain.Spendable;
import computepool.billing.domain.UsageCharge;
import computepool.billing.events.UsageBatchReads.Context;
import computepool.billing.events.UsageBatchReads.Funds;
import computepool.billing.events.UsageBatchReads.Hold;
import computepool.billing.events.UsageBatchReads.Usage;
import computepool.billing.store.ChargeStore;
import computepool.billing.store.LedgerStore;
import computepool.events.EventEnvelope;
import computepool.events.IdempotentConsumer;
import computepool.events.Outbox;
import computepool.usage.v1.InferenceUsage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Charges a whole poll of usage events in one database transaction, with a fixed number of statements however many
 * events there are: the batch's processed-event records, then everything the charges read (wallets locked with
 * their balances, holds locked, meters, open holds, prices, fees, operator accounts) in one query each, the charges decided in
 * memory one after the other exactly as {@link InferenceBilling} decides one, and every row written with one batched
 * statement per table. What the batch cannot decide by itself (an unknown developer, an unpriced model, a malformed
 * event, a Keycloak-only caller, a request paid by a voucher, a reservation's usage, a hold that disagrees with its
 * usage) fails it with {@link NeedsOneByOne} before anything commits, and the caller charges those records one by
 * one, which retries or parks them.
 */
@ApplicationScoped
public class UsageBatchIngestion {

    /** The batch holds something only the one-by-one path handles; nothing of the batch was written. */
    public static final class NeedsOneByOne extends RuntimeException {

        NeedsOneByOne(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Everything the batch writes, column by column: each table is written with one statement over arrays. */
    private static final class Writes {

        final List<UUID> transactionIds = new ArrayList<>();
        final List<String> references = new ArrayList<>();
        final List<OffsetDateTime> occurred = new ArrayList<>();
        final List<UUID> postingTransactions = new ArrayList<>();
        final List<UUID> postingAccounts = new ArrayList<>();
        final List<Long> postingAmounts = new ArrayList<>();
        final List<UUID> chargeDevelopers = new ArrayList<>();
        final List<String> chargeModels = new ArrayList<>();
        final List<Long> promptTokens = new ArrayList<>();
        final List<Long> completionTokens = new ArrayList<>();
        final List<Long> costs = new ArrayList<>();
        final List<Long> amounts = new ArrayList<>();
        final List<UUID> holdIds = new ArrayList<>();
        final List<String> holdStates = new ArrayList<>();
        final List<Long> holdCharges = new ArrayList<>();
        final List<Outbox.Entry> events = new ArrayList<>();
    }

    private final Pool database;
    private final Outbox outbox;
    private final BillingConfig config;
    private final Clock clock;

    public UsageBatchIngestion(Pool database, Outbox outbox, BillingConfig config, Clock clock) {
        this.database = database;
        this.outbox = outbox;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Charges the events not applied before by {@code consumerName}, all or none.
     *
     * @return how many requests were charged
     */
    public Uni<Integer> ingest(String consumerName, List<EventEnvelope> events) {
        List<Usage> usages;
        try {
            usages = events.stream().map(UsageBatchIngestion::usage).toList();
        } catch (NeedsOneByOne e) {
            return Uni.createFrom().failure(e);
        }
        return database.withTransaction(connection -> IdempotentConsumer
                .rememberAll(connection, consumerName, events)
                .chain(fresh -> {
                    // A record delivered twice within one poll is applied once, like one delivered twice apart.
                    Set<UUID> applying = new HashSet<>();
                    List<Usage> todo = usages.stream().filter(usage -> fresh.contains(usage.event().id())
                            && applying.add(usage.event().id())).toList();
                    if (todo.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return UsageBatchReads.load(connection, todo, clock.instant()).chain(context -> {
                        Instant now = clock.instant();
                        Writes writes = decide(todo, context, now);
                        return write(connection, writes, now).replaceWith(writes.transactionIds.size());
                    });
                }));
    }

    private static Usage usage(EventEnvelope event) {
        if (!event.hasType(InferenceUsage.getDefaultInstance())) {
            // ReservationUsage among them: a period is charged by ReservationBilling, one at a time.
            throw new NeedsOneByOne("an event of type " + event.type());
        }
        try {
            InferenceUsage usage = event.payload(InferenceUsage.getDefaultInstance());
            if (usage.hasVoucher()) {
                throw new NeedsOneByOne("usage paid by a voucher");
            }
            Optional<UUID> developerId = InferenceBilling.developerId(usage);
            if (developerId.isEmpty()) {
                throw new NeedsOneByOne("usage of a Keycloak login");
            }
            Instant at = usage.hasEndedAt() ? InferenceBilling.instant(usage.getEndedAt()) : event.time();
            return new Usage(event, usage, developerId.get(), InferenceBilling.workers(usage), at);
        } catch (RuntimeException e) {
            if (e instanceof NeedsOneByOne needs) {
                throw needs;
            }
            throw new NeedsOneByOne("a malformed event: " + e.getMessage());
        }
    }

    /** The charges, decided one after the other on funds that each charge changes for the next. */
    private Writes decide(List<Usage> todo, Context context, Instant now) {
        Writes writes = new Writes();
        Set<String> charged = new HashSet<>(context.booked());
        for (Usage usage : todo) {
            String requestId = usage.usage().getRequestId();
            Optional<Hold> hold = Optional.ofNullable(context.holds().get(requestId));
            Funds funds = context.funds().get(usage.developerId());
            if (!charged.add(requestId)) {
                // Charged before: an open hold has nothing left to pay.
                hold.filter(h -> h.state() == HoldState.PLACED && !writes.holdIds.contains(h.id())).ifPresent(h -> {
                    writes.holdIds.add(h.id());
                    writes.holdStates.add(HoldState.RELEASED.name());
                    writes.holdCharges.add(null);
                    funds.openHolds.remove(h.id());
                });
                continue;
            }
            ModelPrice price = price(usage, hold, funds, context);
            PlatformFee fee = feeAt(context.fees(), usage.at());
            Spendable spendable = funds.spendableExcept(hold.map(Hold::id));
            UsageCharge decided = UsageCharge.decide(usage.usage().getPromptTokens(),
                    usage.usage().getCompletionTokens(), price, fee, usage.workers(), spendable,
                    Meter.INFERENCE_TOKENS, new UsageCharge.Accounts(funds.paid, funds.subsidised,
                            context.operatorAccounts(), LedgerStore.PLATFORM_REVENUE));
            LedgerEntry entry = new LedgerEntry(UUID.randomUUID(), LedgerEntry.INFERENCE, requestId, usage.at(),
                    decided.postings());
            ChargeStore.ChargeLine line = new ChargeStore.ChargeLine(entry.id(), funds.developerId, null,
                    Meter.INFERENCE_TOKENS, usage.usage().getModelId(), requestId, usage.usage().getPromptTokens(),
                    usage.usage().getCompletionTokens(), decided.cost(), decided.charge().total(), usage.at());
            writes.transactionIds.add(entry.id());
            writes.references.add(requestId);
            writes.occurred.add(utc(usage.at()));
            for (Posting posting : entry.postings()) {
                writes.postingTransactions.add(entry.id());
                writes.postingAccounts.add(posting.accountId());
                writes.postingAmounts.add(posting.amountNanoUsd());
            }
            writes.chargeDevelopers.add(funds.developerId);
            writes.chargeModels.add(line.modelId());
            writes.promptTokens.add(line.promptTokens());
            writes.completionTokens.add(line.completionTokens());
            writes.costs.add(line.costNanoUsd());
            writes.amounts.add(line.amountNanoUsd());
            writes.events.addAll(BillingEvents.of(line, Optional.of(usage.event().id().toString()),
                    decided.charge().operatorEarnings(), funds.paidBalance + funds.subsidisedBalance,
                    config.balanceLowThresholdNanoUsd(), now));
            hold.ifPresent(h -> {
                writes.holdIds.add(h.id());
                writes.holdStates.add(HoldState.SETTLED.name());
                writes.holdCharges.add(decided.charge().total());
            });
            funds.apply(entry.postings());
            hold.ifPresent(h -> funds.openHolds.remove(h.id()));
        }
        return writes;
    }

    private static ModelPrice price(Usage usage, Optional<Hold> hold, Funds funds, Context context) {
        if (hold.isPresent()) {
            if (!hold.get().paidAccount().equals(funds.paid)
                    || !hold.get().quoted().modelId().equals(usage.usage().getModelId())) {
                throw new NeedsOneByOne("usage of request " + usage.usage().getRequestId() + " disagrees with its hold");
            }
            return hold.get().quoted();
        }
        return Optional.ofNullable(context.prices().get(usage.usage().getModelId()))
                .flatMap(book -> book.validAt(usage.at()))
                .orElseThrow(() -> new NeedsOneByOne("model '" + usage.usage().getModelId() + "' has no price at "
                        + usage.at()));
    }

    private static PlatformFee feeAt(List<PlatformFee> fees, Instant at) {
        return fees.stream().filter(fee -> !fee.validFrom().isAfter(at))
                .max(Comparator.comparing(PlatformFee::validFrom))
                .orElseThrow(() -> new NeedsOneByOne("no platform fee at " + at));
    }

    private Uni<Void> write(SqlConnection connection, Writes writes, Instant now) {
        if (writes.transactionIds.isEmpty() && writes.holdIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        UUID[] transactions = writes.transactionIds.toArray(UUID[]::new);
        return connection.preparedQuery("""
                        insert into ledger_transaction (id, kind, reference, occurred_at, recorded_at)
                        select id, 'inference', reference, occurred_at, $4
                        from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as t(id, reference, occurred_at)""")
                .execute(Tuple.of(transactions, writes.references.toArray(String[]::new),
                        writes.occurred.toArray(OffsetDateTime[]::new), utc(now)))
                .chain(() -> connection.preparedQuery("""
                                insert into posting (transaction_id, account_id, amount_nano_usd)
                                select * from unnest($1::uuid[], $2::uuid[], $3::bigint[])""")
                        .execute(Tuple.of(writes.postingTransactions.toArray(UUID[]::new),
                                writes.postingAccounts.toArray(UUID[]::new),
                                writes.postingAmounts.toArray(Long[]::new))))
                .chain(() -> connection.preparedQuery("""
                                insert into charge (transaction_id, developer_id, meter, model_id, request_id,
                                                    prompt_tokens, completion_tokens, cost_nano_usd, amount_nano_usd,
                                                    occurred_at)
                                select t, d, '%s', m, r, p, c, cost, a, o
                                from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                                            $7::bigint[], $8::bigint[], $9::timestamptz[])
                                     as x(t, d, m, r, p, c, cost, a, o)""".formatted(Meter.INFERENCE_TOKENS))
                        .execute(Tuple.from(new Object[] {transactions,
                                writes.chargeDevelopers.toArray(UUID[]::new),
                                writes.chargeModels.toArray(String[]::new),
                                writes.references.toArray(String[]::new),
                                writes.promptTokens.toArray(Long[]::new),
                                writes.completionTokens.toArray(Long[]::new),
                                writes.costs.toArray(Long[]::new),
                                writes.amounts.toArray(Long[]::new),
                                writes.occurred.toArray(OffsetDateTime[]::new)})))
                .chain(() -> connection.preparedQuery("""
                                update hold set state = u.state, ended_at = $4, charged_nano_usd = u.charged
                                from unnest($1::uuid[], $2::text[], $3::bigint[]) as u(id, state, charged)
                                where hold.id = u.id""")
                        .execute(Tuple.of(writes.holdIds.toArray(UUID[]::new), writes.holdStates.toArray(String[]::new),
                                writes.holdCharges.toArray(Long[]::new), utc(now))))
                .chain(() -> outbox.appendAll(connection, writes.events))
                .replaceWithVoid();
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
