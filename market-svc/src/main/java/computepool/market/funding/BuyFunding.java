package computepool.market.funding;

import computepool.billing.v1.PlaceReservationHoldRequest;
import computepool.billing.v1.PlaceReservationHoldResponse;
import computepool.billing.v1.ReleaseReservationHoldRequest;
import computepool.billing.v1.ReservationHoldService;
import computepool.market.config.RegistryConfig;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Holds a buy's most cost on its buyer's funds in billing-svc ({@code ReservationHoldService}) before the buy enters
 * the book, and frees it when the book refuses the buy. Called outside the book's lock, so a slow billing never holds
 * up other orders.
 */
@ApplicationScoped
public class BuyFunding {

    private static final Logger LOG = Logger.getLogger(BuyFunding.class);

    private final ReservationHoldService holds;
    private final Duration timeout;

    public BuyFunding(@GrpcClient("billing") ReservationHoldService holds, RegistryConfig config) {
        this.holds = holds;
        this.timeout = config.fundingTimeout();
    }

    /**
     * Holds {@code amountNanoUsd} for the buy.
     *
     * @throws UnfundedBuy        when the buyer's funds do not cover it
     * @throws FundingUnavailable when billing could not be asked
     */
    public void hold(UUID buyOrderId, String buyerSubject, long amountNanoUsd) {
        PlaceReservationHoldResponse answer;
        try {
            answer = holds.placeReservationHold(PlaceReservationHoldRequest.newBuilder()
                            .setBuyOrderId(buyOrderId.toString())
                            .setBuyerKeycloakSubject(buyerSubject)
                            .setAmountNanoUsd(amountNanoUsd).build())
                    .await().atMost(timeout);
        } catch (RuntimeException e) {
            throw new FundingUnavailable(e);
        }
        if (answer.hasInsufficientFunds()) {
            throw new UnfundedBuy(answer.getInsufficientFunds().getRequiredNanoUsd(),
                    answer.getInsufficientFunds().getAvailableNanoUsd());
        }
    }

    /** Frees the hold of a buy the book refused; should billing not answer, the hold lapses there on its own. */
    public void release(UUID buyOrderId) {
        try {
            holds.releaseReservationHold(ReleaseReservationHoldRequest.newBuilder()
                    .setBuyOrderId(buyOrderId.toString()).build()).await().atMost(timeout);
        } catch (RuntimeException e) {
            LOG.warnf(e, "Could not free the hold of refused buy %s; it lapses in billing-svc", buyOrderId);
        }
    }
}
