package computepool.market.funding;

/** billing-svc could not be asked to hold a buy's funds: the buy is not placed. */
public final class FundingUnavailable extends RuntimeException {

    public FundingUnavailable(Throwable cause) {
        super("billing-svc did not answer whether the buyer's funds cover the buy: " + cause.getMessage(), cause);
    }
}
