package computepool.market.api;

import computepool.market.store.NodeCredentialStore;
import computepool.market.store.NodeStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The credentials of one of the signed-in operator's nodes: listed without their secrets, issued (the secret shown in
 * that answer only) and revoked. A revoked credential stops working at once; the workers that presented it fall out
 * of pipelines once they have been silent for the registry's silence limit. Another operator's node answers 404.
 */
@Path("/v1/nodes/{id}/credentials")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class NodeCredentialResource {

    private final JsonWebToken token;
    private final NodeStore nodes;
    private final NodeCredentialStore credentials;
    private final Clock clock;

    public NodeCredentialResource(JsonWebToken token, NodeStore nodes, NodeCredentialStore credentials, Clock clock) {
        this.token = token;
        this.nodes = nodes;
        this.credentials = credentials;
        this.clock = clock;
    }

    @GET
    @WithSession
    public Uni<List<NodeCredentialView>> list(@PathParam("id") UUID id) {
        return owned(id).chain(() -> credentials.ofNode(id))
                .map(rows -> rows.stream().map(NodeCredentialView::listed).toList());
    }

    @APIResponse(responseCode = "201", description = "A new credential, its secret shown this once",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = NodeCredentialView.class)))
    @POST
    @WithTransaction
    public Uni<RestResponse<NodeCredentialView>> issue(@PathParam("id") UUID id) {
        return owned(id).chain(() -> credentials.issue(id, clock.instant()))
                .map(issued -> RestResponse.ResponseBuilder.<NodeCredentialView>created(
                                URI.create("/v1/nodes/" + id + "/credentials/" + issued.record().id))
                        .entity(NodeCredentialView.issued(issued.record(), issued.secret()))
                        .build());
    }

    @APIResponse(responseCode = "204", description = "Revoked (again, if it was already)")
    @DELETE
    @Path("/{credentialId}")
    @WithTransaction
    public Uni<Response> revoke(@PathParam("id") UUID id, @PathParam("credentialId") UUID credentialId) {
        return owned(id).chain(() -> credentials.revoke(id, credentialId, clock.instant())).map(known -> {
            if (!known) {
                throw new ProblemException(Response.Status.NOT_FOUND, "node " + id + " has no credential "
                        + credentialId);
            }
            return Response.noContent().build();
        });
    }

    private Uni<Void> owned(UUID id) {
        return nodes.ofOperator(id, token.getSubject()).map(found -> {
            if (found.isEmpty()) {
                throw new ProblemException(Response.Status.NOT_FOUND, "no node " + id);
            }
            return null;
        });
    }
}
