package computepool.gateway.inference;

import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.workers.v1.FindPipelineRequest;
import computepool.workers.v1.Pipeline;
import computepool.workers.v1.WorkerRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import org.jboss.logging.Logger;

/** Asks market-svc's worker registry for the pipeline a new session of a model should use. */
@ApplicationScoped
public class PipelineFinder {

    private static final Logger LOG = Logger.getLogger(PipelineFinder.class);

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final WorkerRegistry registry;

    public PipelineFinder(@GrpcClient("market") WorkerRegistry registry) {
        this.registry = registry;
    }

    /** The pipeline, or a 503 saying why none is healthy right now. */
    public Uni<Pipeline> find(String modelId) {
        return registry.findPipeline(FindPipelineRequest.newBuilder().setModelId(modelId).build())
                // A per-call limit: a deadline configured on the client would count from the client's creation.
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .onFailure().transform(failure -> {
                    if (failure instanceof StatusRuntimeException status
                            && status.getStatus().getCode() == Status.Code.NOT_FOUND) {
                        return noPipeline(modelId, status.getStatus().getDescription());
                    }
                    LOG.warnf(failure, "The worker registry did not answer for model %s", modelId);
                    return noPipeline(modelId, "the worker registry is unreachable");
                });
    }

    /** Whether a complete pipeline serves the model now. */
    public Uni<Boolean> serves(String modelId) {
        return find(modelId).map(pipeline -> true).onFailure(OpenAiException.class).recoverWithItem(false);
    }

    private static OpenAiException noPipeline(String modelId, String reason) {
        return new OpenAiException(Response.Status.SERVICE_UNAVAILABLE, "No healthy pipeline of shard workers "
                + "serves the model '" + modelId + "' right now (" + reason + "). Retry later.",
                OpenAiError.SERVER_ERROR, null, "no_healthy_pipeline");
    }
}
