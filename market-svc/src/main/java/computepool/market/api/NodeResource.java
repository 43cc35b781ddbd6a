package computepool.market.api;

import computepool.market.config.RegistryConfig;
import computepool.market.domain.Node;
import computepool.market.domain.NodeRejected;
import computepool.market.domain.NodeStatus;
import computepool.market.store.NodeCredentialStore;
import computepool.market.store.NodeStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
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
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The nodes of the signed-in operator. Registering one issues the credential its workers present to market-svc,
 * shown in that answer only ({@link NodeCredentialResource} issues more and revokes them). The operator is the token's subject; an operator sees only
 * their own nodes, and another operator's node answers 404 as if it did not exist. A node's agent
 * posts heartbeats; only a node heard from within {@code computepool.market.node-silence-limit} is
 * offered to buyers.
 */
@Path("/v1/nodes")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {

    private final JsonWebToken token;
    private final NodeStore nodes;
    private final NodeCredentialStore credentials;
    private final RegistryConfig config;
    private final Clock clock;

    public NodeResource(JsonWebToken token, NodeStore nodes, NodeCredentialStore credentials, RegistryConfig config,
            Clock clock) {
        this.token = token;
        this.nodes = nodes;
        this.credentials = credentials;
        this.config = config;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The node, registered", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = NodeView.class)))
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<RestResponse<NodeView>> register(@NotNull(message = "a JSON body is required") @Valid RegisterNodeRequest body) {
        Node node = registered(body);
        return nodes.insert(node)
                .chain(stored -> credentials.issue(stored.id(), clock.instant()).map(issued -> RestResponse.ResponseBuilder
                        .<NodeView>created(URI.create("/v1/nodes/" + stored.id()))
                        .entity(view(new NodeStatus(stored, Optional.empty()))
                                .withCredential(NodeCredentialView.issued(issued.record(), issued.secret())))
                        .build()));
    }

    @GET
    @WithSession
    public Uni<List<NodeView>> list() {
        return nodes.ofOperator(token.getSubject())
                .map(found -> found.stream().map(this::view).toList());
    }

    @GET
    @Path("/{id}")
    @WithSession
    public Uni<NodeView> get(@PathParam("id") UUID id) {
        return nodes.ofOperator(id, token.getSubject())
                .map(found -> found.map(this::view)
                        .orElseThrow(() -> new ProblemException(Response.Status.NOT_FOUND, "no node " + id)));
    }

    /** The node's agent says the node is up. */
    @APIResponse(responseCode = "204", description = "Heard: the node stays offered")
    @POST
    @Path("/{id}/heartbeats")
    @WithTransaction
    public Uni<Response> heartbeat(@PathParam("id") UUID id) {
        return nodes.heartbeat(id, token.getSubject(), clock.instant()).map(known -> {
            if (!known) {
                throw new ProblemException(Response.Status.NOT_FOUND, "no node " + id);
            }
            return Response.noContent().build();
        });
    }

    private NodeView view(NodeStatus status) {
        return NodeView.of(status, clock.instant(), config.nodeSilenceLimit());
    }

    private Node registered(RegisterNodeRequest body) {
        List<Node.GpuSpec> gpus = body.gpus().stream()
                .map(gpu -> gpu == null ? null
                        : new Node.GpuSpec(gpu.model(), gpu.memoryGib(), gpu.count(), gpu.powerLimitWatts()))
                .toList();
        try {
            return Node.register(token.getSubject(), body.name().strip(), body.zone(), body.interconnect(),
                    body.powerBudgetWatts(), gpus, clock.instant());
        } catch (NodeRejected e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, e.field(), e.reason());
        }
    }
}
