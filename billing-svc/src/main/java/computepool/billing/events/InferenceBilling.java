package computepool.billing.events;

import com.google.protobuf.Timestamp;
import computepool.billing.domain.AccountKind;
import computepool.billing.domain.ChargeBooking;
import computepool.billing.domain.InferenceCharge;
import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.ModelPrice;
import computepool.billing.domain.PlatformFee;
import computepool.billing.store.AccountRecord;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Books one {@code InferenceUsage}, inside the consumer's transaction: the developer is charged at the price valid
 * when the request ended (so late or reordered events are charged as they would have been on time), each operator
 * is credited its share, the platform keeps its fee; all in one balanced ledger transaction referenced by the request
 * id, so even a second event of one request books nothing. An event without a price for its model and time, or with
 * impossible fields, is malformed and parked at once; one of a developer billing has not heard of is retried first,
 * since the developer's {@code DeveloperCreated} may be late, then parked.
 */
@ApplicationScoped
public class InferenceBilling {

    private static final Logger LOG = Logger.getLogger(InferenceBilling.class);

    private final LedgerStore ledger;
    private final ModelPriceStore prices;
    private final PlanStore plans;
    private final Clock clock;

    public InferenceBilling(LedgerStore ledger, ModelPriceStore prices, PlanStore plans, Clock clock) {
        this.ledger = ledger;
        this.prices = prices;
        this.plans = plans;
        this.clock = clock;
    }

    public Uni<Void> charge(EventEnvelope event, InferenceUsage usage) {
        List<InferenceCharge.WorkerServed> workers;
        Optional<UUID> developerId;
        try {
            workers = workers(usage);
            developerId = developerId(usage);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new MalformedEventException(e.getMessage(), e));
        }
        Instant at = usage.hasEndedAt() ? instant(usage.getEndedAt()) : event.time();
        Optional<String> subject = Optional.of(usage.getKeycloakSubject()).filter(s -> !s.isBlank());
        return prices.book(usage.getModelId()).map(book -> book.validAt(at).orElseThrow(() -> malformed(
                        "no price of model '" + usage.getModelId() + "' is valid at " + at)))
                .chain(price -> plans.platformFeeAt(at).chain(fee -> ledger.lockWallets(developerId, subject)
                        .chain(wallets -> book(usage, at, price, fee, workers, wallets, developerId, subject))));
    }

    private Uni<Void> book(InferenceUsage usage, Instant at, ModelPrice price, PlatformFee fee,
            List<InferenceCharge.WorkerServed> workers, List<AccountRecord> wallets, Optional<UUID> developerId,
            Optional<String> subject) {
        if (wallets.size() != AccountKind.DEVELOPER_WALLETS.size()) {
            // Retried before it is parked: DeveloperCreated arrives on another topic and may simply be late.
            throw new UnknownDeveloperException("unknown developer " + developerId.map(UUID::toString)
                    .orElseGet(() -> "with Keycloak subject " + subject.orElse("?"))
                    + ": no DeveloperCreated has opened its wallets");
        }
        UUID paid = wallet(wallets, AccountKind.DEVELOPER_PAID);
        UUID subsidised = wallet(wallets, AccountKind.DEVELOPER_SUBSIDISED);
        InferenceCharge charge = InferenceCharge.of(usage.getPromptTokens(), usage.getCompletionTokens(), price, fee,
                workers);
        Map<String, UUID> operatorAccounts = new HashMap<>();
        Uni<Void> opened = Uni.createFrom().voidItem();
        for (String operator : charge.operatorEarnings().keySet()) {
            opened = opened.chain(() -> ledger.operatorAccount(operator, at)
                    .invoke(account -> operatorAccounts.put(operator, account)).replaceWithVoid());
        }
        return opened.chain(() -> ledger.balance(subsidised))
                .chain(subsidisedBalance -> ledger.book(new LedgerEntry(UUID.randomUUID(), LedgerEntry.INFERENCE,
                        usage.getRequestId(), at, ChargeBooking.postings(charge, paid, subsidised, subsidisedBalance,
                                operatorAccounts, LedgerStore.PLATFORM_REVENUE)), clock.instant()))
                .invoke(booked -> {
                    if (booked) {
                        LOG.debugf("Charged request %s: %d nano-USD (fee %d, operators %s)", usage.getRequestId(),
                                charge.total(), charge.platformFee(), charge.operatorEarnings());
                    } else {
                        LOG.infof("Request %s was charged before; this event books nothing", usage.getRequestId());
                    }
                })
                .replaceWithVoid();
    }

    private static List<InferenceCharge.WorkerServed> workers(InferenceUsage usage) {
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

    private static Optional<UUID> developerId(InferenceUsage usage) {
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

    private static UUID wallet(List<AccountRecord> wallets, AccountKind kind) {
        return wallets.stream().filter(wallet -> wallet.kind == kind).findFirst().orElseThrow().id;
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

    private static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
