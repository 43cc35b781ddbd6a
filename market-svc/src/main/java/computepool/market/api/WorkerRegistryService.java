package computepool.market.api;

import computepool.market.config.RegistryConfig;
import computepool.market.domain.PipelinePlan;
import computepool.market.domain.PipelinePlanner;
import computepool.market.store.ShardWorkerStore;
import computepool.workers.v1.FindPipelineRequest;
import computepool.workers.v1.ListWorkersRequest;
import computepool.workers.v1.ListWorkersResponse;
import computepool.workers.v1.Pipeline;
import computepool.workers.v1.WorkerRegistry;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/**
 * {@code computepool.workers.v1.WorkerRegistry}, for the gateway: the pipeline a new inference session should use,
 * and the registry as it stands (which names operators, so it is no one else's to read). Only a gateway's service
 * token may ask, on the internal gRPC port.
 */
@GrpcService
@RolesAllowed("gateway-svc")
public class WorkerRegistryService implements WorkerRegistry {

    private final ShardWorkerStore workers;
    private final RegistryConfig config;
    private final Clock clock;

    public WorkerRegistryService(ShardWorkerStore workers, RegistryConfig config, Clock clock) {
        this.workers = workers;
        this.config = config;
        this.clock = clock;
    }

    @Override
    @WithSession
    public Uni<Pipeline> findPipeline(FindPipelineRequest request) {
        String modelId = request.getModelId().strip();
        if (modelId.isEmpty()) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("model_id must not be blank").asRuntimeException());
        }
        Set<String> excluded = Set.copyOf(request.getExcludeWorkerIdsList());
        return workers.ofModel(modelId).map(registered -> {
            PipelinePlan plan = PipelinePlanner.plan(modelId, registered, excluded, clock.instant(),
                    config.workerSilenceLimit());
            return switch (plan) {
                case PipelinePlan.Found found -> WorkerMessages.pipeline(found);
                case PipelinePlan.Missing missing -> throw Status.NOT_FOUND.withDescription(missing.reason())
                        .asRuntimeException();
            };
        });
    }

    @Override
    @WithSession
    public Uni<ListWorkersResponse> listWorkers(ListWorkersRequest request) {
        Optional<String> modelId = Optional.of(request.getModelId().strip()).filter(id -> !id.isEmpty());
        return workers.rows(modelId).map(rows -> {
            var now = clock.instant();
            ListWorkersResponse.Builder response = ListWorkersResponse.newBuilder();
            rows.forEach(row -> response.addWorkers(WorkerMessages.status(row, now, config.workerSilenceLimit())));
            return response.build();
        });
    }
}
