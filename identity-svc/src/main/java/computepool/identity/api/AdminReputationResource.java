package computepool.identity.api;

import computepool.identity.reputation.PassportRefresh;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Runs the scheduled refresh of Passport scores now, as an operator does after a Passport outage. */
@Path("/v1/admin/reputation/refresh")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminReputationResource {

    private final PassportRefresh refresh;

    public AdminReputationResource(PassportRefresh refresh) {
        this.refresh = refresh;
    }

    @POST
    public Uni<PassportRefresh.Outcome> refresh() {
        return refresh.refreshAll();
    }
}
