package computepool.billing.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What one metered period of a market reservation is charged and who receives it, split the way an inference charge
 * is: the buyer pays the period's cost, or what its wallets can spend on {@link Meter#RESERVATION_GPU_SECONDS}
 * besides open holds when that is less; the platform's fee and the sellers' part are a largest-remainder split of
 * what is collected by the fee's basis points, and the sellers' part is split again among the shares in proportion
 * to their costs. Every split sums exactly to what it splits, so no share ever receives more than it cost.
 *
 * @param cost        what the period cost: the sum of its shares' costs
 * @param collected   what the buyer pays
 * @param platformFee the platform's part of what is collected
 * @param proceeds    what each share's seller receives, in the order of the shares
 */
public record ReservationCharge(long cost, long collected, long platformFee, List<Long> proceeds) {

    public ReservationCharge {
        proceeds = List.copyOf(proceeds);
        long sellers = proceeds.stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
        if (collected < 0 || collected > cost || platformFee < 0 || platformFee + sellers != collected
                || proceeds.stream().anyMatch(part -> part < 0)) {
            throw new IllegalArgumentException("a period costing " + cost + " collected " + collected
                    + " and split into fee " + platformFee + " and proceeds " + proceeds);
        }
    }

    /**
     * @param shareCosts what each share of the period cost, none negative
     * @param spendable  the buyer's funds
     */
    public static ReservationCharge decide(List<Long> shareCosts, PlatformFee fee, Spendable spendable) {
        if (shareCosts.isEmpty() || shareCosts.stream().anyMatch(cost -> cost < 0)) {
            throw new IllegalArgumentException("a period has shares, none costing less than nothing: " + shareCosts);
        }
        long cost = shareCosts.stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
        long collected = Math.min(cost, spendable.available(Meter.RESERVATION_GPU_SECONDS));
        List<Long> feeAndSellers = LargestRemainder.split(collected,
                List.of((long) fee.basisPoints(), (long) (PlatformFee.WHOLE - fee.basisPoints())));
        long sellers = feeAndSellers.get(1);
        // A period of nothing but free shares has no weights to split by, and nothing to split.
        List<Long> proceeds = sellers == 0 ? shareCosts.stream().map(ignored -> 0L).toList()
                : LargestRemainder.split(sellers, shareCosts);
        return new ReservationCharge(cost, collected, feeAndSellers.get(0), proceeds);
    }

    /** The buyer's wallets could not cover the whole period. */
    public boolean shortOf() {
        return collected < cost;
    }

    /**
     * The postings: the buyer pays from subsidised credit first where it may pay for reservations, then from paid
     * money; each seller's account and the platform's revenue receive their parts.
     *
     * @param spendable      the buyer's funds the charge was decided on
     * @param sellerAccounts the account each share's proceeds go to, in the order of the shares
     */
    public List<Posting> postings(Spendable spendable, UUID paidWallet, UUID subsidisedWallet,
            List<UUID> sellerAccounts, UUID platformAccount) {
        if (sellerAccounts.size() != proceeds.size()) {
            throw new IllegalArgumentException(proceeds.size() + " shares but " + sellerAccounts.size() + " accounts");
        }
        long subsidisedPays = spendable.subsidisedCovers(Meter.RESERVATION_GPU_SECONDS)
                ? spendable.subsidisedBalance() : 0;
        List<Posting> postings = new ArrayList<>(ChargeBooking.developerPays(collected, paidWallet, subsidisedWallet,
                subsidisedPays));
        for (int i = 0; i < proceeds.size(); i++) {
            if (proceeds.get(i) > 0) {
                postings.add(new Posting(sellerAccounts.get(i), proceeds.get(i)));
            }
        }
        if (platformFee > 0) {
            postings.add(new Posting(platformAccount, platformFee));
        }
        return postings;
    }
}
