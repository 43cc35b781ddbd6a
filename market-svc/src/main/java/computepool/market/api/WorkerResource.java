package computepool.market.api;

import computepool.market.config.RegistryConfig;
import computepool.market.store.ShardWorkerStore;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The shard-worker registry for administrators: every worker, or a model's, with the health pipelines are planned
 * on. What {@code ./computepool up} prints when a model is not served in time.
 */
@Path("/v1/admin/workers")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class WorkerResource {

    private final ShardWorkerStore workers;
    private final RegistryConfig config;
    private final Clock clock;

    public WorkerResource(ShardWorkerStore workers, RegistryConfig config, Clock clock) {
        this.workers = workers;
        this.config = config;
        this.clock = clock;
    }

    @GET
    @WithSession
    public Uni<List<WorkerView>> list(
            @QueryParam("modelId") @Size(max = 200, message = "modelId must be at most 200 characters") String modelId) {
        Optional<String> model = Optional.ofNullable(modelId).map(String::strip).filter(id -> !id.isEmpty());
        return workers.rows(model).map(rows -> {
            Instant now = clock.instant();
            return rows.stream().map(row -> WorkerView.of(row, now, config.workerSilenceLimit())).toList();
        });
    }
}
