package computepool.shard.engine;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import computepool.gguf.GgufFile;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One shard's layers running in ONNX Runtime: takes a step's tokens (entry shard) or hidden states
 * (any other), advances a session's {@link KvCache}, and returns hidden states for the next shard
 * or, on the exit shard, the logits of the last position.
 *
 * <p>Weights are dequantized to fp32 once, into off-heap buffers handed to the session with
 * {@code addExternalInitializers}; they stay owned by this engine until {@link #close()}. Steps of different
 * sessions may run concurrently; one session's steps must not overlap.
 */
public final class ShardEngine implements AutoCloseable {

    private final ModelSpec spec;
    private final LayerRange range;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final List<OnnxTensor> weights;

    private ShardEngine(ModelSpec spec, LayerRange range, OrtEnvironment environment, OrtSession session,
            List<OnnxTensor> weights) {
        this.spec = spec;
        this.range = range;
        this.environment = environment;
        this.session = session;
        this.weights = weights;
    }

    /**
     * Loads layers {@code [start, end)} of a Llama-family GGUF.
     *
     * @throws UnsupportedModelException when the file is not a model this engine runs correctly
     * @throws IllegalArgumentException when the range lies outside the model
     */
    public static ShardEngine load(GgufFile gguf, int start, int end, EngineOptions options) throws OrtException {
        ModelSpec spec = ModelSpec.from(gguf);
        return load(ShardGraph.build(spec, LayerRange.of(start, end, spec), WeightSource.of(gguf),
                options.weightFormat()), options);
    }

    public static ShardEngine load(ShardGraph graph, EngineOptions options) throws OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> weights = new HashMap<>();
        try (OrtSession.SessionOptions sessionOptions = options.sessionOptions()) {
            for (ShardGraph.Initializer initializer : graph.initializers()) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(initializer.byteSize()))
                        .order(ByteOrder.nativeOrder());
                initializer.fill().accept(buffer);
                if (buffer.hasRemaining()) {
                    throw new IllegalStateException(initializer.name() + " was filled short by " + buffer.remaining()
                            + " bytes");
                }
                buffer.rewind();
                OnnxTensor tensor = initializer.type() == TensorProto.DataType.UINT8
                        ? OnnxTensor.createTensor(environment, buffer, initializer.shape(), OnnxJavaType.UINT8)
                        : OnnxTensor.createTensor(environment, buffer.asFloatBuffer(), initializer.shape());
                weights.put(initializer.name(), tensor);
            }
            sessionOptions.addExternalInitializers(Collections.<String, OnnxTensorLike>unmodifiableMap(weights));
            OrtSession session = environment.createSession(graph.model().toByteArray(), sessionOptions);
            return new ShardEngine(graph.spec(), graph.range(), environment, session, List.copyOf(weights.values()));
        } catch (OrtException | RuntimeException e) {
            weights.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public LayerRange range() {
        return range;
    }

    public boolean isEntry() {
        return range.isEntry();
    }

    public boolean isExit() {
        return range.isExit(spec);
    }

    /** A session's cache for up to {@code capacity} tokens, allocated now in full. */
    public KvCache newCache(int capacity) throws OrtException {
        if (capacity > spec.contextLength()) {
            throw new IllegalArgumentException("capacity " + capacity + " exceeds the model's context length "
                    + spec.contextLength());
        }
        return new KvCache(environment, spec, range, capacity);
    }

    /**
     * Runs this shard over the step's tokens, appending them to {@code cache}.
     *
     * @throws IllegalArgumentException when the input does not fit this shard or the cache
     */
    public ShardOutput step(KvCache cache, ShardInput input) throws OrtException {
        check(cache, input);
        int tokens = input.tokens();
        int total = cache.length() + tokens;
        Map<String, OnnxTensor> inputs = new HashMap<>();
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            switch (input) {
                case Tokens(int[] ids) -> inputs.put(ShardGraph.INPUT_IDS, own(owned,
                        OnnxTensor.createTensor(environment, IntBuffer.wrap(ids), new long[] {1, tokens})));
                case HiddenStates(FloatBuffer values, int count) -> inputs.put(ShardGraph.HIDDEN_IN, own(owned,
                        OnnxTensor.createTensor(environment, values.duplicate(),
                                new long[] {1, count, spec.hiddenSize()})));
            }
            inputs.put(ShardGraph.SEQLENS_K, own(owned,
                    OnnxTensor.createTensor(environment, IntBuffer.wrap(new int[] {total - 1}), new long[] {1})));
            inputs.put(ShardGraph.TOTAL_SEQUENCE_LENGTH, own(owned,
                    OnnxTensor.createTensor(environment, IntBuffer.wrap(new int[] {total}), new long[] {})));
            inputs.putAll(cache.pastInputs());
            String outputName = isExit() ? ShardGraph.LOGITS : ShardGraph.HIDDEN_OUT;
            try (OrtSession.Result result = session.run(inputs, Set.of(outputName), cache.presentOutputs())) {
                cache.advance(tokens);
                FloatBuffer output = ((OnnxTensor) result.get(outputName).orElseThrow()).getFloatBuffer();
                float[] values = new float[output.remaining()];
                output.get(values);
                return isExit() ? new Logits(values) : new HiddenStates(FloatBuffer.wrap(values), tokens);
            }
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
        weights.forEach(OnnxTensor::close);
    }

    private void check(KvCache cache, ShardInput input) {
        if (cache.isClosed()) {
            throw new IllegalArgumentException("the session's KV cache was already freed");
        }
        if (!cache.range().equals(range)) {
            throw new IllegalArgumentException("KV cache holds layers " + cache.range() + ", this shard " + range);
        }
        if (input.tokens() <= 0) {
            throw new IllegalArgumentException("a step needs at least one token");
        }
        if (input.tokens() > cache.remaining()) {
            throw new IllegalArgumentException("step of " + input.tokens() + " tokens exceeds the session's "
                    + cache.remaining() + " remaining of " + cache.capacity());
        }
        switch (input) {
            case Tokens(int[] ids) -> {
                if (!isEntry()) {
                    throw new IllegalArgumentException("layers " + range + " take hidden states, not token ids");
                }
                for (int id : ids) {
                    if (id < 0 || id >= spec.vocabularySize()) {
                        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                                + spec.vocabularySize());
                    }
                }
            }
            case HiddenStates(FloatBuffer values, int tokens) -> {
                if (isEntry()) {
                    throw new IllegalArgumentException("layers " + range + " take token ids, not hidden states");
                }
                long expected = (long) tokens * spec.hiddenSize();
                if (values.remaining() != expected) {
                    throw new IllegalArgumentException("hidden states of " + values.remaining() + " values do not"
                            + " match " + tokens + " tokens × hidden size " + spec.hiddenSize());
                }
            }
        }
    }

    private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor tensor) {
        owned.add(tensor);
        return tensor;
    }
}
