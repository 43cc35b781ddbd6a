package computepool.billing.events;

import computepool.billing.config.BillingConfig;
import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.PlatformFee;
import computepool.billing.domain.ReservationCharge;
import computepool.billing.domain.Spendable;
import computepool.billing.holds.Funds;
import computepool.billing.store.ChargeStore;
import computepool.billing.store.LedgerStore;
import computepool.billing.store.PlanStore;
import computepool.billing.store.ReservationHoldStore;
import computepool.events.EventEnvelope;
import computepool.events.MalformedEventException;
import computepool.usage.v1.ReservationShare;
import computepool.usage.v1.ReservationUsage;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Books one {@code ReservationUsage} (a metered period of GPU time bought on the market), inside the caller's
 * transaction, the way {@link InferenceBilling} books a request: the buyer pays the period's cost from subsidised
 * credit that may pay for {@code reservation.gpu_seconds}, then paid money, never more than it can spend besides open
 * holds other than its buy's own reservation hold, which the period draws on (so a funded reservation's periods are
 * collected in full); the platform keeps its fee; each share's seller receives the rest in proportion to its cost: an operator
 * into its earnings account, a reselling developer into its paid wallet. One balanced ledger transaction referenced by
 * the period's usage id, so a period arriving again under another CloudEvents id books nothing.
 *
 * <p>Impossible fields park the event at once; a buyer or reseller billing has not heard of is retried first, since
 * its {@code DeveloperCreated} may be late, then parked.
 */
@ApplicationScoped
public class ReservationBilling {

    private static final Logger LOG = Logger.getLogger(ReservationBilling.class);

    private final LedgerStore ledger;
    private final ChargeStore charges;
    private final Funds funds;
    private final ReservationHoldStore reservationHolds;
    private final PlanStore plans;
    private final BillingEvents events;
    private final BillingConfig config;
    private final Clock clock;

    public ReservationBilling(LedgerStore ledger, ChargeStore charges, Funds funds,
            ReservationHoldStore reservationHolds, PlanStore plans, BillingEvents events, BillingConfig config,
            Clock clock) {
        this.ledger = ledger;
        this.charges = charges;
        this.funds = funds;
        this.reservationHolds = reservationHolds;
        this.plans = plans;
        this.events = events;
        this.config = config;
        this.clock = clock;
    }

    /** The usage topic's handler. */
    public Uni<Void> charge(EventEnvelope event, ReservationUsage usage) {
        try {
            ReservationUsageCheck.check(usage, clock.instant());
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new MalformedEventException("reservation usage '" + usage.getUsageId()
                    + "': " + e.getMessage(), e));
        }
        // A period belongs to the instant it starts: its fee version and the invoice month it appears on.
        Instant at = InferenceBilling.instant(usage.getPeriodStart());
        Set<String> subjects = new LinkedHashSet<>();
        subjects.add(usage.getBuyerKeycloakSubject());
        usage.getSharesList().stream().filter(share -> share.getSellerKind() == ReservationShare.SellerKind.RESELLER)
                .forEach(share -> subjects.add(share.getSellerId()));
        return ledger.lockWalletsOfSubjects(subjects).chain(wallets -> {
            LedgerStore.Wallets buyer = wallets.get(usage.getBuyerKeycloakSubject());
            if (buyer == null) {
                // Retried before it is parked: DeveloperCreated arrives on another topic and may simply be late.
                throw new InferenceBilling.UnknownDeveloperException("buyer_keycloak_subject '"
                        + usage.getBuyerKeycloakSubject() + "' is no developer billing knows: no DeveloperCreated "
                        + "has opened its wallets");
            }
            for (int i = 0; i < usage.getSharesCount(); i++) {
                ReservationShare share = usage.getShares(i);
                if (share.getSellerKind() == ReservationShare.SellerKind.RESELLER
                        && !wallets.containsKey(share.getSellerId())) {
                    throw new InferenceBilling.UnknownDeveloperException("shares[" + i + "].seller_id '"
                            + share.getSellerId() + "' of a RESELLER share is no developer billing knows: no "
                            + "DeveloperCreated has opened its wallets");
                }
            }
            Instant now = clock.instant();
            // The buy's own hold is money set aside for exactly these periods: it is spendable here.
            Optional<UUID> buy = usage.getBuyOrderId().isEmpty() ? Optional.empty()
                    : Optional.of(UUID.fromString(usage.getBuyOrderId()));
            return plans.platformFeeAt(at).chain(fee -> funds.spendable(buyer, now, buy)
                    .chain(spendable -> sellerAccounts(usage, wallets, at)
                            .chain(accounts -> book(usage, event, at, buyer, fee, spendable, accounts, now)
                                    .chain(collected -> collected == 0 || buy.isEmpty()
                                            ? Uni.createFrom().voidItem()
                                            : reservationHolds.draw(buy.get(), collected).replaceWithVoid()))));
        });
    }

    /** Where each share's proceeds go, in the order of the shares; operators' earnings accounts open on first use. */
    private Uni<List<UUID>> sellerAccounts(ReservationUsage usage, Map<String, LedgerStore.Wallets> wallets,
            Instant at) {
        List<UUID> accounts = new ArrayList<>();
        Uni<Void> found = Uni.createFrom().voidItem();
        for (ReservationShare share : usage.getSharesList()) {
            if (share.getSellerKind() == ReservationShare.SellerKind.RESELLER) {
                found = found.invoke(() -> accounts.add(wallets.get(share.getSellerId()).paid()));
            } else {
                found = found.chain(() -> ledger.operatorAccount(share.getSellerId(), at)
                        .invoke(accounts::add).replaceWithVoid());
            }
        }
        return found.replaceWith(accounts);
    }

    /** Books the period; what it collected, or 0 when it had been booked before. */
    private Uni<Long> book(ReservationUsage usage, EventEnvelope event, Instant at, LedgerStore.Wallets buyer,
            PlatformFee fee, Spendable spendable, List<UUID> sellerAccounts, Instant now) {
        List<Long> shareCosts = usage.getSharesList().stream().map(ReservationShare::getCostNanoUsd).toList();
        ReservationCharge charge = ReservationCharge.decide(shareCosts, fee, spendable);
        LedgerEntry entry = new LedgerEntry(UUID.randomUUID(), LedgerEntry.RESERVATION, usage.getUsageId(), at,
                charge.postings(spendable, buyer.paid(), buyer.subsidised(), sellerAccounts,
                        LedgerStore.PLATFORM_REVENUE));
        List<ChargeStore.SoldShare> sold = new ArrayList<>();
        for (int i = 0; i < usage.getSharesCount(); i++) {
            ReservationShare share = usage.getShares(i);
            sold.add(new ChargeStore.SoldShare(share.getSellerKind().name(), share.getSellerId(),
                    sellerAccounts.get(i), share.getOperatorId(), share.getNodeId(), share.getGpuCount(),
                    share.getPriceNanoUsdPerGpuHour(), share.getCostNanoUsd(), charge.proceeds().get(i)));
        }
        ChargeStore.ReservationChargeLine line = new ChargeStore.ReservationChargeLine(entry.id(),
                buyer.developerId(), usage.getUsageId(), usage.getReservationId(), usage.getGpuModel(),
                usage.getSpot(), usage.getGpuSeconds(), at, InferenceBilling.instant(usage.getPeriodEnd()),
                charge.cost(), charge.collected(), sold);
        return ledger.book(entry, now).chain(booked -> {
            if (!booked) {
                LOG.infof("Reservation usage %s was charged before; this event books nothing", usage.getUsageId());
                return Uni.createFrom().item(0L);
            }
            if (charge.shortOf()) {
                LOG.warnf("Reservation usage %s of developer %s cost %d nano-USD but only %d could be spent; "
                        + "%d nano-USD are not collected", usage.getUsageId(), buyer.developerId(), charge.cost(),
                        charge.collected(), charge.cost() - charge.collected());
            }
            LOG.debugf("Charged reservation usage %s: %d nano-USD (fee %d, sellers %s)", usage.getUsageId(),
                    charge.collected(), charge.platformFee(), charge.proceeds());
            return charges.record(line).chain(() -> events.reservationCharged(line, event.id().toString(),
                    buyer.paidBalance() + buyer.subsidisedBalance(), config.balanceLowThresholdNanoUsd(), now))
                    .replaceWith(charge.collected());
        });
    }
}
