package computepool.identity.api;

import computepool.identity.reputation.ReputationRefresh;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Runs the scheduled refresh of reputations now, as an operator does after a Passport outage. */
@Path("/v1/admin/reputation/refresh")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminReputationResource {

    private final ReputationRefresh refresh;

    public AdminReputationResource(ReputationRefresh refresh) {
        this.refresh = refresh;
    }

    @POST
    public Uni<ReputationRefresh.Outcome> refresh() {
        return refresh.refreshAll();
    }
}
