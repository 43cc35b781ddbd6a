package computepool.billing.events;

import com.google.protobuf.Timestamp;
import computepool.billing.config.BillingConfig;
import computepool.billing.domain.HoldState;
import computepool.billing.domain.InferenceCharge;
import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.Meter;
import computepool.billing.domain.ModelPrice;
import computepool.billing.domain.PlatformFee;
import computepool.billing.domain.Posting;
import computepool.billing.domain.Spendable;
import computepool.billing.domain.UsageCharge;
import computepool.billing.holds.Funds;
import computepool.billing.store.ChargeStore;
import computepool.billing.store.HoldRecord;
import computepool.billing.store.HoldStore;
import computepool.billing.store.LedgerStore;
import computepool.billing.store.ModelPriceStore;
import computepool.billing.store.PlanStore;
import computepool.events.EventEnvelope;
import computepool.events.MalformedEventException;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.WorkerShare;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Books one {@code InferenceUsage}, inside the caller's transaction: the developer is charged, each operator is
 * credited its share, the platform keeps its fee; all in one balanced ledger transaction referenced by the request
 * id, so even a second event of one request books nothing. A request that had a hold is charged at the price the hold
 * quoted, and its hold is settled in the same transaction; one without is charged at the price valid when it ended
 * (so late or reordered events are charged as they would have been on time). No charge takes more than the
 * developer can spend besides other requests' open holds: a hold covers its request's maximum cost, so only usage
 * whose hold expired, or that had none, can be cut short, and then what is missing is logged and not collected.
 *
 * <p>An event without a price for its model and time, or with impossible fields, is malformed and parked at once;
 * one of a developer billing has not heard of is retried first, since the developer's {@code DeveloperCreated} may be
 * late, then parked.
 */
@ApplicationScoped
public class InferenceBilling {

    private static final Logger LOG = Logger.getLogger(InferenceBilling.class);
    private static final Pattern VOUCHER_PAYER = Pattern.compile("0x[0-9a-fA-F]{40}");

    /** What booking a usage did. */
    public record Charged(long amountNanoUsd, boolean bookedNow, Optional<HoldRecord> hold) {
    }

    private final LedgerStore ledger;
    private final HoldStore holds;
    private final ChargeStore charges;
    private final Funds funds;
    private final ModelPriceStore prices;
    private final PlanStore plans;
    private final BillingEvents events;
    private final BillingConfig config;
    private final Clock clock;

    public InferenceBilling(LedgerStore ledger, HoldStore holds, ChargeStore charges, Funds funds,
            ModelPriceStore prices, PlanStore plans, BillingEvents events, BillingConfig config, Clock clock) {
        this.ledger = ledger;
        this.holds = holds;
        this.charges = charges;
        this.funds = funds;
        this.prices = prices;
        this.plans = plans;
        this.events = events;
        this.config = config;
        this.clock = clock;
    }

    /** The usage topic's handler. */
    public Uni<Void> charge(EventEnvelope event, InferenceUsage usage) {
        return charge(usage, event.time(), Optional.of(event.id().toString())).replaceWithVoid();
    }

    /**
     * Charges the usage once; {@code receivedAt} stands in for its end when the usage does not say.
     *
     * @param usageEventId the usage event's {@code ce_id}, when the charge comes from the usage topic
     * @throws MalformedEventException (as the failure) for usage that can never be charged
     */
    public Uni<Charged> charge(InferenceUsage usage, Instant receivedAt, Optional<String> usageEventId) {
        if (usage.hasVoucher()) {
            return chargeVoucher(usage, receivedAt, usageEventId);
        }
        List<InferenceCharge.WorkerServed> workers;
        Optional<UUID> developerId;
        try {
            workers = workers(usage);
            developerId = developerId(usage);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new MalformedEventException(e.getMessage(), e));
        }
        Instant at = usage.hasEndedAt() ? instant(usage.getEndedAt()) : receivedAt;
        Optional<String> subject = Optional.of(usage.getKeycloakSubject()).filter(s -> !s.isBlank());
        return ledger.lockWallets(developerId, subject).chain(wallets -> {
            if (wallets.isEmpty()) {
                // Retried before it is parked: DeveloperCreated arrives on another topic and may simply be late.
                throw new UnknownDeveloperException("unknown developer " + developerId.map(UUID::toString)
                        .orElseGet(() -> "with Keycloak subject " + subject.orElse("?"))
                        + ": no DeveloperCreated has opened its wallets");
            }
            return holds.forRequest(usage.getRequestId()).chain(hold -> price(usage, at, hold, wallets.get().paid())
                    .chain(price -> plans.platformFeeAt(at)
                            .chain(fee -> book(usage, at, price, fee, workers, wallets.get(), hold,
                                    usageEventId))));
        });
    }

    private Uni<ModelPrice> price(InferenceUsage usage, Instant at, Optional<HoldRecord> hold, UUID paidWallet) {
        if (hold.isPresent()) {
            if (!hold.get().paidAccountId.equals(paidWallet)) {
                return Uni.createFrom().failure(malformed("usage of request " + usage.getRequestId()
                        + " names another developer than its hold"));
            }
            if (!hold.get().modelId.equals(usage.getModelId())) {
                return Uni.createFrom().failure(malformed("usage of request " + usage.getRequestId() + " names model '"
                        + usage.getModelId() + "' but its hold was placed for '" + hold.get().modelId + "'"));
            }
            return Uni.createFrom().item(hold.get().quotedPrice());
        }
        return prices.book(usage.getModelId()).map(book -> book.validAt(at).orElseThrow(() -> malformed(
                "no price of model '" + usage.getModelId() + "' is valid at " + at)));
    }

    private Uni<Charged> book(InferenceUsage usage, Instant at, ModelPrice price, PlatformFee fee,
            List<InferenceCharge.WorkerServed> workers, LedgerStore.Wallets wallets, Optional<HoldRecord> hold,
            Optional<String> usageEventId) {
        Instant now = clock.instant();
        return funds.spendable(wallets, now, hold.map(h -> h.id)).chain(spendable -> operatorAccounts(workers, at)
                .chain(operatorAccounts -> {
                    UsageCharge decided = UsageCharge.decide(usage.getPromptTokens(), usage.getCompletionTokens(),
                            price, fee, workers, spendable, Meter.INFERENCE_TOKENS, new UsageCharge.Accounts(
                                    wallets.paid(), wallets.subsidised(), operatorAccounts,
                                    LedgerStore.PLATFORM_REVENUE));
                    return record(usage, at, wallets, hold, usageEventId, spendable, decided, now);
                }));
    }

    private Uni<Charged> record(InferenceUsage usage, Instant at, LedgerStore.Wallets wallets,
            Optional<HoldRecord> hold, Optional<String> usageEventId, Spendable spendable, UsageCharge decided,
            Instant now) {
        InferenceCharge charge = decided.charge();
        long cost = decided.cost();
        LedgerEntry entry = new LedgerEntry(UUID.randomUUID(), LedgerEntry.INFERENCE, usage.getRequestId(), at,
                decided.postings());
        ChargeStore.ChargeLine line = new ChargeStore.ChargeLine(entry.id(), wallets.developerId(), null,
                Meter.INFERENCE_TOKENS, usage.getModelId(), usage.getRequestId(), usage.getPromptTokens(),
                usage.getCompletionTokens(), cost, charge.total(), at);
        return ledger.book(entry, now)
                .call(booked -> booked
                        ? charges.record(line).chain(() -> events.charged(line, usageEventId,
                                charge.operatorEarnings(), spendable.paidBalance() + spendable.subsidisedBalance(),
                                config.balanceLowThresholdNanoUsd(), now))
                        : Uni.createFrom().voidItem())
                .chain(booked -> {
                    if (!booked) {
                        LOG.infof("Request %s was charged before; this usage books nothing", usage.getRequestId());
                        return endHold(hold, false, 0, now).replaceWith(new Charged(0, false, hold));
                    }
                    if (decided.shortOf()) {
                        LOG.warnf("Request %s of developer %s cost %d nano-USD but only %d could be spent; "
                                + "%d nano-USD are not collected", usage.getRequestId(), wallets.developerId(),
                                cost, charge.total(), cost - charge.total());
                    }
                    LOG.debugf("Charged request %s: %d nano-USD (fee %d, operators %s)", usage.getRequestId(),
                            charge.total(), charge.platformFee(), charge.operatorEarnings());
                    return endHold(hold, true, charge.total(), now)
                            .replaceWith(new Charged(charge.total(), true, hold));
                });
    }

    /**
     * Books a request paid by an x402 voucher: the charge is what the voucher paid (the quote, which the client
     * agreed to before the request ran); the operators earn their split of what the tokens used cost at the price
     * valid when the request started (its quote's time), never more than was paid; the platform keeps the rest. The
     * money comes out of vouchers unserved, where the transfer's confirmation put it, once per transfer: a second
     * request naming the same transaction is not paid by it and books nothing.
     */
    private Uni<Charged> chargeVoucher(InferenceUsage usage, Instant receivedAt, Optional<String> usageEventId) {
        List<InferenceCharge.WorkerServed> workers;
        try {
            workers = workers(usage);
            checkVoucher(usage);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new MalformedEventException(e.getMessage(), e));
        }
        long paid = usage.getVoucher().getPaidNanoUsd();
        Instant at = usage.hasEndedAt() ? instant(usage.getEndedAt()) : receivedAt;
        Instant quotedAt = usage.hasStartedAt() ? instant(usage.getStartedAt()) : at;
        Instant now = clock.instant();
        return prices.book(usage.getModelId())
                .map(book -> book.validAt(quotedAt).orElseThrow(() -> malformed("no price of model '"
                        + usage.getModelId() + "' is valid at " + quotedAt)))
                .chain(price -> plans.platformFeeAt(at).chain(fee -> operatorAccounts(workers, at).chain(accounts -> {
                    long used = InferenceCharge.cost(usage.getPromptTokens(), usage.getCompletionTokens(), price);
                    InferenceCharge earned = InferenceCharge.split(Math.min(used, paid), fee, workers);
                    long operatorsPart = earned.total() - earned.platformFee();
                    List<Posting> postings = new ArrayList<>();
                    postings.add(new Posting(LedgerStore.VOUCHERS_UNSERVED, -paid));
                    earned.operatorEarnings().forEach((operator, amount) ->
                            postings.add(new Posting(accounts.get(operator), amount)));
                    postings.add(new Posting(LedgerStore.PLATFORM_REVENUE, paid - operatorsPart));
                    String transaction = VoucherTransactions.normalized(usage.getVoucher().getTransaction());
                    LedgerEntry entry = new LedgerEntry(UUID.randomUUID(), LedgerEntry.VOUCHER_SERVED, transaction,
                            at, postings);
                    ChargeStore.ChargeLine line = new ChargeStore.ChargeLine(entry.id(), null,
                            usage.getVoucher().getPayer(), Meter.INFERENCE_TOKENS, usage.getModelId(),
                            usage.getRequestId(), usage.getPromptTokens(), usage.getCompletionTokens(), paid, paid, at);
                    return ledger.book(entry, now).call(booked -> booked
                                    ? charges.record(line).chain(() -> events.charged(line, usageEventId,
                                            earned.operatorEarnings(), 0, 0, now))
                                    : Uni.createFrom().voidItem())
                            .invoke(booked -> {
                                if (!booked) {
                                    LOG.infof("Voucher transaction %s paid for a request before; request %s books"
                                            + " nothing", transaction, usage.getRequestId());
                                }
                            })
                            .map(booked -> new Charged(booked ? paid : 0, booked, Optional.empty()));
                })));
    }

    private Uni<Map<String, UUID>> operatorAccounts(List<InferenceCharge.WorkerServed> workers, Instant at) {
        Map<String, UUID> accounts = new HashMap<>();
        Uni<Void> opened = Uni.createFrom().voidItem();
        for (String operator : operatorsOf(workers)) {
            opened = opened.chain(() -> ledger.operatorAccount(operator, at)
                    .invoke(account -> accounts.put(operator, account)).replaceWithVoid());
        }
        return opened.replaceWith(accounts);
    }

    private static void checkVoucher(InferenceUsage usage) {
        if (!usage.getDeveloperId().isBlank() || !usage.getKeycloakSubject().isBlank()) {
            throw new IllegalArgumentException("usage of request " + usage.getRequestId()
                    + " paid by a voucher must name no developer");
        }
        if (!VOUCHER_PAYER.matcher(usage.getVoucher().getPayer()).matches()) {
            throw new IllegalArgumentException("voucher.payer must be a 0x-prefixed address of 20 bytes, not '"
                    + usage.getVoucher().getPayer() + "'");
        }
        if (!VoucherTransactions.isTransaction(usage.getVoucher().getTransaction())) {
            throw new IllegalArgumentException("voucher.transaction must be a 0x-prefixed hash of 32 bytes, not '"
                    + usage.getVoucher().getTransaction() + "'");
        }
        if (usage.getVoucher().getPaidNanoUsd() <= 0) {
            throw new IllegalArgumentException("voucher.paid_nano_usd must be positive, not "
                    + usage.getVoucher().getPaidNanoUsd());
        }
    }

    /** A hold ends with its request's charge; a hold left open by a charge booked earlier has nothing left to pay. */
    private Uni<Void> endHold(Optional<HoldRecord> hold, boolean bookedNow, long charged, Instant now) {
        if (hold.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (bookedNow) {
            return holds.settle(hold.get(), charged, now);
        }
        return hold.get().state == HoldState.PLACED ? holds.release(hold.get(), now) : Uni.createFrom().voidItem();
    }

    /** Operators of the workers that served layers: those who may earn from the charge. */
    static List<String> operatorsOf(List<InferenceCharge.WorkerServed> workers) {
        return workers.stream().filter(worker -> worker.layerCount() > 0).map(InferenceCharge.WorkerServed::operatorId)
                .distinct().toList();
    }

    static List<InferenceCharge.WorkerServed> workers(InferenceUsage usage) {
        if (usage.getRequestId().isBlank()) {
            throw new IllegalArgumentException("request_id must not be blank");
        }
        if (usage.getModelId().isBlank()) {
            throw new IllegalArgumentException("model_id must not be blank");
        }
        if (usage.getPromptTokens() < 0 || usage.getCompletionTokens() < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
        return usage.getWorkerSharesList().stream().map(InferenceBilling::served).toList();
    }

    private static InferenceCharge.WorkerServed served(WorkerShare share) {
        if (share.getOperatorId().isBlank()) {
            throw new IllegalArgumentException("worker " + share.getWorkerId() + " has no operator_id");
        }
        return new InferenceCharge.WorkerServed(share.getWorkerId(), share.getOperatorId(), share.getLayerCount(),
                share.getServedMillis());
    }

    static Optional<UUID> developerId(InferenceUsage usage) {
        if (usage.getDeveloperId().isBlank()) {
            if (usage.getKeycloakSubject().isBlank()) {
                throw new IllegalArgumentException("neither developer_id nor keycloak_subject is set");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(usage.getDeveloperId()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("developer_id " + usage.getDeveloperId() + " is not a UUID");
        }
    }

    /** A developer billing has not heard of yet. */
    static final class UnknownDeveloperException extends RuntimeException {

        UnknownDeveloperException(String message) {
            super(message);
        }
    }

    private static MalformedEventException malformed(String reason) {
        return new MalformedEventException(reason);
    }

    static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
