package computepool.billing.domain;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What one request's usage is charged, decided from what the developer can spend: the cost at the price, the part
 * that can be collected (all of it, unless the wallets fall short besides other requests' open holds), its split
 * among platform and operators, and the postings, subsidised credit first where it may pay for the meter.
 *
 * @param cost    what the usage cost
 * @param charge  what is collected, and how it is split
 */
public record UsageCharge(long cost, InferenceCharge charge, List<Posting> postings) {

    /** Where the postings go. */
    public record Accounts(UUID paidWallet, UUID subsidisedWallet, Map<String, UUID> operatorAccounts,
            UUID platformAccount) {
    }

    /** @param spendable the developer's funds leaving out the request's own hold */
    public static UsageCharge decide(long promptTokens, long completionTokens, ModelPrice price, PlatformFee fee,
            List<InferenceCharge.WorkerServed> workers, Spendable spendable, String meter, Accounts accounts) {
        long cost = InferenceCharge.cost(promptTokens, completionTokens, price);
        long collectable = Math.min(cost, spendable.available(meter));
        InferenceCharge charge = InferenceCharge.split(collectable, fee, workers);
        long subsidisedPays = spendable.subsidisedCovers(meter) ? spendable.subsidisedBalance() : 0;
        return new UsageCharge(cost, charge, ChargeBooking.postings(charge, accounts.paidWallet(),
                accounts.subsidisedWallet(), subsidisedPays, accounts.operatorAccounts(), accounts.platformAccount()));
    }

    /** Usage the wallets could not wholly cover. */
    public boolean shortOf() {
        return charge.total() < cost;
    }
}
