package computepool.shard.config;

import ai.onnxruntime.OrtException;
import computepool.shard.domain.ShardAssignment;
import computepool.shard.engine.EngineOptions;
import computepool.shard.engine.ShardEngine;
import computepool.shard.engine.UnsupportedModelException;
import computepool.shard.gguf.GgufFile;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import org.jboss.logging.Logger;

/**
 * Loads the worker's layers into ONNX Runtime at startup, so a missing model, an unsupported one
 * or a layer range outside it stops the worker before it announces itself.
 */
public class EngineProducer {

    private static final Logger LOG = Logger.getLogger(EngineProducer.class);

    @Produces
    @Singleton
    @Startup
    ShardEngine engine(ShardConfig config, ShardAssignment assignment) throws OrtException {
        long started = System.nanoTime();
        GgufFile gguf;
        try {
            gguf = GgufFile.open(config.modelPath());
        } catch (IOException e) {
            throw new ConfigurationException("computepool.shard.model-path " + config.modelPath()
                    + " cannot be read: " + e.getMessage());
        }
        EngineOptions options = new EngineOptions(config.intraOpThreads(), config.executionProvider(),
                config.cudaDevice());
        ShardEngine engine;
        try {
            engine = ShardEngine.load(gguf, assignment.layerStart(), assignment.layerEnd(), options);
        } catch (UnsupportedModelException | IllegalArgumentException e) {
            throw new ConfigurationException("cannot serve layers [" + assignment.layerStart() + ", "
                    + assignment.layerEnd() + ") of " + config.modelPath() + ": " + e.getMessage());
        }
        LOG.infof("Loaded layers %s of %s on %s in %d ms", engine.range(), config.modelPath().getFileName(),
                options.provider(), (System.nanoTime() - started) / 1_000_000);
        return engine;
    }

    void close(@Disposes ShardEngine engine) throws OrtException {
        engine.close();
    }
}
