package computepool.billing.holds;

import computepool.billing.config.BillingConfig;
import computepool.billing.domain.HoldState;
import computepool.billing.domain.InferenceCharge;
import computepool.billing.domain.Meter;
import computepool.billing.domain.ModelPrice;
import computepool.billing.events.InferenceBilling;
import computepool.billing.store.HoldRecord;
import computepool.billing.store.HoldStore;
import computepool.billing.store.LedgerStore;
import computepool.billing.store.ModelPriceStore;
import computepool.usage.v1.InferenceUsage;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;

/**
 * Places, settles and releases holds, each inside the caller's transaction. A hold is placed only while the
 * developer's wallets are locked and what they can spend, less every open hold, covers it; charges lock the same
 * wallets, so holds and charges of one developer happen one after the other and the wallets always cover every open
 * hold.
 */
@ApplicationScoped
public class HoldBook {

    /** The outcome of asking for a hold. */
    public sealed interface Placement {
    }

    public record Placed(HoldRecord hold) implements Placement {
    }

    public record Refused(long requiredNanoUsd, long availableNanoUsd, String meter) implements Placement {
    }

    /** What settling did: the charge, and the part of the hold it left unspent. */
    public record Settled(long chargedNanoUsd, long releasedNanoUsd) {
    }

    /** The model has no price in effect now, so nothing can be quoted. */
    public static final class UnpricedModelException extends RuntimeException {

        UnpricedModelException(String modelId, Instant at) {
            super("model '" + modelId + "' has no price in effect at " + at);
        }
    }

    private final LedgerStore ledger;
    private final HoldStore holds;
    private final Funds funds;
    private final LeaseBook leases;
    private final ModelPriceStore prices;
    private final InferenceBilling billing;
    private final BillingConfig config;
    private final Clock clock;

    public HoldBook(LedgerStore ledger, HoldStore holds, Funds funds, LeaseBook leases, ModelPriceStore prices,
            InferenceBilling billing, BillingConfig config, Clock clock) {
        this.ledger = ledger;
        this.holds = holds;
        this.funds = funds;
        this.leases = leases;
        this.prices = prices;
        this.billing = billing;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Holds the most an inference request can cost: its prompt and every completion token it may generate, at the
     * model's price now, for as long as the request may run ({@code holdFor}) or the hold TTL, whichever is longer.
     * With a {@code leaseId} the amount comes out of that gateway's lease, taking no wallet lock (the developer's total
     * held does not change); a lease that cannot give it leaves the hold to the developer's other funds. Asking again
     * for a request returns its hold as it is.
     */
    public Uni<Placement> placeInference(String requestId, Optional<UUID> developerId, Optional<String> subject,
            String modelId, long promptTokens, long maxCompletionTokens, Duration holdFor, Optional<UUID> leaseId) {
        Duration lasts = holdFor.compareTo(config.holdTtl()) > 0 ? holdFor : config.holdTtl();
        // The database keeps microseconds: what is returned should equal what is read back later.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return holds.ofRequest(requestId).chain(existing -> {
            if (existing.isPresent()) {
                return Uni.createFrom().item(new Placed(existing.get()));
            }
            return prices.book(modelId).chain(book -> {
                ModelPrice price = book.validAt(now).orElseThrow(() -> new UnpricedModelException(modelId, now));
                long amount = InferenceCharge.cost(promptTokens, maxCompletionTokens, price);
                Hold hold = new Hold(requestId, developerId, subject, price, amount, now, now.plus(lasts));
                if (leaseId.isEmpty()) {
                    return fromFunds(hold);
                }
                return ledger.wallets(developerId, subject).chain(wallets -> wallets.isEmpty()
                        ? Uni.createFrom().item(new Refused(amount, 0, Meter.INFERENCE_TOKENS))
                        : leases.fund(leaseId.get(), wallets.get().paid(), amount, now).chain(funded -> funded
                                ? holds.place(requestId, wallets.get().paid(), Meter.INFERENCE_TOKENS, price, amount,
                                        now, hold.expiresAt(), leaseId).map(Placed::new)
                                : fromFunds(hold)));
            });
        });
    }

    /** A hold about to be placed. */
    private record Hold(String requestId, Optional<UUID> developerId, Optional<String> subject, ModelPrice price,
            long amount, Instant at, Instant expiresAt) {
    }

    /** Places the hold if the developer's funds, less every open hold, cover it; their wallets are locked first. */
    private Uni<Placement> fromFunds(Hold hold) {
        return ledger.lockWallets(hold.developerId(), hold.subject()).chain(wallets -> wallets.isEmpty()
                ? Uni.createFrom().item(new Refused(hold.amount(), 0, Meter.INFERENCE_TOKENS))
                : funds.spendable(wallets.get(), hold.at(), Optional.empty()).chain(spendable -> {
                    long available = spendable.available(Meter.INFERENCE_TOKENS);
                    if (available < hold.amount()) {
                        return Uni.createFrom().item(new Refused(hold.amount(), available, Meter.INFERENCE_TOKENS));
                    }
                    return holds.place(hold.requestId(), wallets.get().paid(), Meter.INFERENCE_TOKENS, hold.price(),
                            hold.amount(), hold.at(), hold.expiresAt(), Optional.empty()).map(Placed::new);
                }));
    }

    /**
     * The most an inference request can cost at the model's price now, holding nothing: what a caller paying per
     * request is asked to pay.
     *
     * @throws UnpricedModelException (as the failure) when the model has no price now
     */
    public Uni<Quoted> quoteInference(String modelId, long promptTokens, long maxCompletionTokens) {
        Instant now = clock.instant();
        return prices.book(modelId).map(book -> {
            ModelPrice price = book.validAt(now).orElseThrow(() -> new UnpricedModelException(modelId, now));
            return new Quoted(InferenceCharge.cost(promptTokens, maxCompletionTokens, price), price);
        });
    }

    /** A request's most cost, and the price it was computed at. */
    public record Quoted(long maxCostNanoUsd, ModelPrice price) {
    }

    /**
     * Charges the usage of the hold's request (at the hold's price) and ends the hold. The usage's own event on the
     * usage topic books nothing more, whichever comes first.
     *
     * @throws NoSuchElementException   (as the failure) for an unknown hold
     * @throws IllegalArgumentException (as the failure) when the usage is another request's
     */
    public Uni<Settled> settle(UUID holdId, InferenceUsage usage) {
        // Not locked here: the charge locks the developer's wallets and then the hold, in the order every writer uses.
        return holds.findById(holdId).chain(hold -> {
            if (hold == null) {
                throw new NoSuchElementException("no hold " + holdId);
            }
            if (!hold.requestId.equals(usage.getRequestId())) {
                throw new IllegalArgumentException("usage.request_id " + usage.getRequestId()
                        + " is not the request of hold " + holdId);
            }
            return billing.charge(usage, clock.instant(), Optional.empty()).map(charged -> new Settled(
                    charged.amountNanoUsd(), Math.max(0, hold.amountNanoUsd - charged.amountNanoUsd())));
        });
    }

    /**
     * Ends a hold whose request never ran, freeing its amount; a hold that ended otherwise stays as it is.
     *
     * @throws NoSuchElementException (as the failure) for an unknown hold
     */
    public Uni<HoldState> release(UUID holdId) {
        return holds.lock(holdId).chain(found -> {
            HoldRecord hold = found.orElseThrow(() -> new NoSuchElementException("no hold " + holdId));
            if (hold.state != HoldState.PLACED) {
                return Uni.createFrom().item(hold.state);
            }
            return holds.release(hold, clock.instant()).replaceWith(HoldState.RELEASED);
        });
    }
}
