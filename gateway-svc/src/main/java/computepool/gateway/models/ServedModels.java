package computepool.gateway.models;

import computepool.gateway.config.GatewayConfig;
import computepool.gguf.GgufFile;
import computepool.gguf.GgufMetadata;
import computepool.gguf.tokenizer.ChatTemplate;
import computepool.gguf.tokenizer.Tokenizer;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The configured models, read once at startup: a missing or unreadable model file stops the gateway before it
 * accepts requests rather than failing each request for that model.
 */
@Startup
@Singleton
public class ServedModels {

    private static final Logger LOG = Logger.getLogger(ServedModels.class);

    private final Map<String, ServedModel> byId = new TreeMap<>();

    public ServedModels(GatewayConfig config, Clock clock) {
        config.models().forEach((id, model) -> {
            try {
                GgufMetadata metadata = GgufFile.open(model.gguf()).metadata();
                Tokenizer tokenizer = Tokenizer.fromGguf(metadata);
                ChatTemplate template = ChatTemplate.fromGguf(metadata, tokenizer);
                String architecture = metadata.string("general.architecture");
                int contextLength = Math.toIntExact(metadata.integer(architecture + ".context_length"));
                byId.put(id, new ServedModel(id, tokenizer, template, contextLength, clock.instant()));
                LOG.infof("Serving model %s (%s, context %d) from %s", id, architecture, contextLength,
                        model.gguf());
            } catch (IOException | RuntimeException e) {
                throw new ConfigurationException("computepool.gateway.models." + id + ".gguf " + model.gguf()
                        + " cannot be read as a model: " + e.getMessage(), e);
            }
        });
    }

    public Optional<ServedModel> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every configured model, by id. */
    public Collection<ServedModel> all() {
        return byId.values();
    }
}
