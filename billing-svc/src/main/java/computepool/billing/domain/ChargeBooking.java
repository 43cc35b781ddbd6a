package computepool.billing.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The postings of a charge: the developer pays from subsidised credit first, as far as its balance goes,
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
        List<Posting> postings = developerPays(charge.total(), paidWallet, subsidisedWallet, subsidisedBalance);
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

    /**
     * What the developer's wallets give for a charge of {@code total}: subsidised credit first, as far as
     * {@code subsidisedBalance} (zero when the credit is not for the charge's meter) goes, then paid money.
     */
    public static List<Posting> developerPays(long total, UUID paidWallet, UUID subsidisedWallet,
            long subsidisedBalance) {
        long fromSubsidised = Math.min(Math.max(subsidisedBalance, 0), total);
        long fromPaid = total - fromSubsidised;
        List<Posting> postings = new ArrayList<>();
        if (fromSubsidised > 0) {
            postings.add(new Posting(subsidisedWallet, -fromSubsidised));
        }
        if (fromPaid > 0) {
            postings.add(new Posting(paidWallet, -fromPaid));
        }
        return postings;
    }
}
