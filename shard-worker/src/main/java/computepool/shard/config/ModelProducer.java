package computepool.shard.config;

import ai.onnxruntime.OrtException;
import computepool.shard.client.ShardChannels;
import computepool.shard.domain.ShardAssignment;
import computepool.shard.engine.EngineOptions;
import computepool.shard.engine.ShardEngine;
import computepool.shard.engine.UnsupportedModelException;
import computepool.gguf.GgufFile;
import computepool.gguf.tokenizer.Tokenizer;
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
public class ModelProducer {

    private static final Logger LOG = Logger.getLogger(ModelProducer.class);

    @Produces
    @Singleton
    GgufFile model(ShardConfig config) {
        try {
            return GgufFile.open(config.modelPath());
        } catch (IOException e) {
            throw new ConfigurationException("computepool.shard.model-path " + config.modelPath()
                    + " cannot be read: " + e.getMessage());
        }
    }

    @Produces
    @Singleton
    Tokenizer tokenizer(GgufFile gguf) {
        return Tokenizer.fromGguf(gguf.metadata());
    }

    @Produces
    @Singleton
    ShardChannels channels() {
        return new ShardChannels();
    }

    void close(@Disposes ShardChannels channels) {
        channels.close();
    }

    @Produces
    @Singleton
    @Startup
    ShardEngine engine(GgufFile gguf, ShardConfig config, ShardAssignment assignment) throws OrtException {
        long started = System.nanoTime();
        EngineOptions options = new EngineOptions(config.intraOpThreads(), config.executionProvider(),
                config.cudaDevice(), config.weightFormat());
        ShardEngine engine;
        try {
            engine = ShardEngine.load(gguf, assignment.layerStart(), assignment.layerEnd(), options);
        } catch (UnsupportedModelException | IllegalArgumentException e) {
            throw new ConfigurationException("cannot serve layers [" + assignment.layerStart() + ", "
                    + assignment.layerEnd() + ") of " + config.modelPath() + ": " + e.getMessage());
        }
        LOG.infof("Loaded layers %s of %s on %s, weights %s, in %d ms", engine.range(),
                config.modelPath().getFileName(), options.provider(), options.weightFormat(),
                (System.nanoTime() - started) / 1_000_000);
        return engine;
    }

    void close(@Disposes ShardEngine engine) throws OrtException {
        engine.close();
    }
}
