package computepool.gateway.inference;

import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.config.GatewayConfig;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/** Asks market-svc's worker registry for the pipeline a new session of a model should use. */
@ApplicationScoped
public class PipelineFinder {

    private static final Logger LOG = Logger.getLogger(PipelineFinder.class);

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private record Found(Pipeline pipeline, long untilNanos) {
    }

    private final WorkerRegistry registry;
    private final long reuseNanos;
    private final Map<String, Found> recent = new ConcurrentHashMap<>();

    public PipelineFinder(@GrpcClient("market") WorkerRegistry registry, GatewayConfig config) {
        this.registry = registry;
        this.reuseNanos = config.pipelineCacheTtl().toNanos();
    }

    /**
     * The pipeline, or a 503 saying why none is healthy right now. A pipeline found is reused for
     * {@code pipeline-cache-ttl}: the registry ranks workers by the load of their heartbeats, sent every few seconds,
     * so asking it for every request would cost a round trip and change nothing.
     */
    public Uni<Pipeline> find(String modelId) {
        Found found = recent.get(modelId);
        if (found != null && System.nanoTime() - found.untilNanos() < 0) {
            return Uni.createFrom().item(found.pipeline());
        }
        return ask(modelId).invoke(pipeline -> recent.put(modelId, new Found(pipeline, System.nanoTime() + reuseNanos)));
    }

    /** Forgets the model's pipeline, after a session on it failed: the next request asks the registry again. */
    public void forget(String modelId, Pipeline failed) {
        recent.computeIfPresent(modelId, (id, found) -> found.pipeline().equals(failed) ? null : found);
    }

    private Uni<Pipeline> ask(String modelId) {
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

    /** Whether a complete pipeline serves the model now (asked of the registry, not the cache). */
    public Uni<Boolean> serves(String modelId) {
        return ask(modelId).map(pipeline -> true).onFailure(OpenAiException.class).recoverWithItem(false);
    }

    private static OpenAiException noPipeline(String modelId, String reason) {
        return new OpenAiException(Response.Status.SERVICE_UNAVAILABLE, "No healthy pipeline of shard workers "
                + "serves the model '" + modelId + "' right now (" + reason + "). Retry later.",
                OpenAiError.SERVER_ERROR, null, "no_healthy_pipeline");
    }
}
