package computepool.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** What the gateway serves and how it treats callers. */
@ConfigMapping(prefix = "computepool.gateway")
public interface GatewayConfig {

    /**
     * The models clients may name, by model id (as shard workers announce it). The gateway reads each model's
     * tokenizer, chat template and context length from its GGUF file; the weights stay with the shard workers.
     */
    Map<String, ServedModelConfig> models();

    /**
     * How long a key's verification is reused before identity-svc is asked again: the longest a revoked key keeps
     * working on this gateway.
     */
    @WithDefault("2s")
    Duration keyCacheTtl();

    /**
     * How long a pipeline the worker registry chose is reused for further sessions of its model before the registry
     * is asked again; a failed session forgets it at once. Zero asks for every request.
     */
    @WithDefault("1s")
    Duration pipelineCacheTtl();

    /**
     * Completion tokens of a chat completion that names no {@code max_completion_tokens} or {@code max_tokens}; every
     * shard reserves KV cache for prompt plus this many tokens, so the context length is too generous a default.
     */
    @WithDefault("1024")
    int defaultMaxTokens();

    /** Largest request body accepted, in bytes. */
    @WithDefault("1048576")
    int maxBodyBytes();

    /**
     * Serves {@code POST /v1/echo}, which answers its body at once through the same HTTP stack: the baseline of the
     * gateway benchmark. Off in production.
     */
    @WithDefault("false")
    boolean echoRoute();

    interface ServedModelConfig {

        /** The model's GGUF file. */
        Path gguf();
    }
}
