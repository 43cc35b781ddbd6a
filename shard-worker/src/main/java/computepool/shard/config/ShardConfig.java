package computepool.shard.config;

import computepool.shard.engine.EngineOptions.ExecutionProvider;
import computepool.shard.engine.WeightFormat;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What this worker serves, checked at startup by {@link AssignmentProducer}. The defaults fit a local stack. */
@ConfigMapping(prefix = "computepool.shard")
public interface ShardConfig {

    /** The model this worker holds a slice of, as the pipeline registry names it. */
    @WithDefault("smollm2-135m-instruct")
    String modelId();

    /** First layer of the slice, inclusive; 0 makes this worker the entry shard. */
    @WithDefault("0")
    int layerStart();

    /** End of the slice, exclusive; the model's layer count makes this worker the exit shard (SmolLM2-135M has 30). */
    @WithDefault("30")
    int layerEnd();

    /** Keycloak subject of the operator who runs this worker and is paid for its compute. */
    @WithDefault("local-operator")
    String operatorId();

    /** The market-svc node this worker runs on. */
    @WithDefault("local-node")
    String nodeId();

    /** EVM address (0x and 40 hex digits) that receives the operator's payment stream; the default is anvil's first account. */
    @WithDefault("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    String payoutAddress();

    /** The GGUF holding the model's weights and tokenizer; {@code ./computepool} installs SmolLM2 and sets it. */
    Path modelPath();

    /** Threads one step's operators may use; 0 lets ONNX Runtime use one per core. */
    @WithDefault("0")
    int intraOpThreads();

    /** {@code cpu}, or {@code cuda} with a build that has the {@code gpu} profile (ONNX Runtime with CUDA). */
    @WithDefault("cpu")
    ExecutionProvider executionProvider();

    /**
     * How projections stored in 4-bit blocks (Q4_0, Q4_1) are held: {@code q4} (4-bit, fp32
     * products), {@code q4-int8-activations} (4-bit, 8-bit activations: faster, less exact) or
     * {@code fp32} (dequantized at load).
     */
    @WithDefault("q4")
    WeightFormat weightFormat();

    /** The GPU that {@code cuda} runs on. */
    @WithDefault("0")
    int cudaDevice();

    /** Sessions this worker holds at once; one more is refused with RESOURCE_EXHAUSTED. */
    @WithDefault("16")
    int maxSessions();

    /** KV cache positions (prompt plus max tokens) summed over all sessions; beyond, RESOURCE_EXHAUSTED. */
    @WithDefault("32768")
    int maxSessionTokens();

    /** A session that receives nothing for this long is cancelled and its KV cache freed. */
    @WithDefault("60s")
    Duration sessionIdleTimeout();

    /** This worker's id in the registry and in session summaries. */
    @WithDefault("${quarkus.uuid}")
    String workerId();

    /** host:port that other shards and the gateway dial; unset, {@link #advertisedHost()} with the bound port. */
    Optional<String> advertisedAddress();

    /** Host part of the announced address when {@link #advertisedAddress()} is unset. */
    @WithDefault("127.0.0.1")
    String advertisedHost();

    /** How often the worker tells the registry it is alive and how loaded it is. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** host:port of market-svc's gRPC, where the worker announces itself ({@code WorkerAgent}). */
    @WithDefault("localhost:9082")
    String marketAddress();

    /**
     * The credential of the node this worker runs on ({@code cpn_…}, issued when its operator registered the node):
     * market-svc takes the worker's announcements only with it. No default.
     */
    String nodeCredential();

    /** How this worker checks the gateways' session tickets. */
    Ticket ticket();

    interface Ticket {

        /**
         * The gateways' Ed25519 public keys, base64 of their X.509 encoding: a session's ticket must verify with one
         * of them. More than one while the gateways' key is being rotated. No default: a worker that cannot check
         * tickets does not start.
         */
        List<String> verifyKeys();
    }
}
