package computepool.billing.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The postings of an inference charge: the developer pays from subsidised credit first, as far as its balance goes,
 * then from paid money; each operator's earnings account and the platform's revenue account receive their parts.
 */
public final class ChargeBooking {

    private ChargeBooking() {
    }

    /**
     * @param operatorAccounts the earnings account of every operator in the charge
     * @param subsidisedBalance what the subsidised wallet may pay toward this charge: its balance before it, or zero
     *                          when the credit is not for this charge's meter
     */
    public static List<Posting> postings(InferenceCharge charge, UUID paidWallet, UUID subsidisedWallet,
            long subsidisedBalance, Map<String, UUID> operatorAccounts, UUID platformAccount) {
        long fromSubsidised = Math.min(Math.max(subsidisedBalance, 0), charge.total());
        long fromPaid = charge.total() - fromSubsidised;
        List<Posting> postings = new ArrayList<>();
        if (fromSubsidised > 0) {
            postings.add(new Posting(subsidisedWallet, -fromSubsidised));
        }
        if (fromPaid > 0) {
            postings.add(new Posting(paidWallet, -fromPaid));
        }
        charge.operatorEarnings().forEach((operator, amount) -> {
            if (amount > 0) {
                postings.add(new Posting(operatorAccounts.get(operator), amount));
            }
        });
        if (charge.platformFee() > 0) {
            postings.add(new Posting(platformAccount, charge.platformFee()));
        }
        return postings;
    }
}
