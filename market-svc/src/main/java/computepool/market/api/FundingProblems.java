package computepool.market.api;

import computepool.market.funding.FundingUnavailable;
import computepool.market.funding.UnfundedBuy;
import computepool.problems.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** How a buy refused for its funds is answered: problem+json, naming the amounts so a client can top up. */
public class FundingProblems {

    private static final Logger LOG = Logger.getLogger(FundingProblems.class);

    /** A 402 problem with what the buy needs held and what the developer can spend on the meter. */
    public record Unfunded(String type, String title, int status, String detail, long requiredNanoUsd,
            long availableNanoUsd, String meter) {
    }

    @ServerExceptionMapper
    public Response unfunded(UnfundedBuy refused) {
        return Response.status(402).type(Problem.MEDIA).entity(new Unfunded("about:blank", "Payment Required", 402,
                refused.getMessage(), refused.requiredNanoUsd(), refused.availableNanoUsd(),
                "reservation.gpu_seconds")).build();
    }

    @ServerExceptionMapper
    public Response unavailable(FundingUnavailable failure) {
        LOG.warn(failure.getMessage());
        return Problem.of(Response.Status.SERVICE_UNAVAILABLE, "the buyer's funds could not be checked just now; "
                + "nothing was placed, try again").toResponse();
    }
}
