package computepool.shard.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One session's keys and values for a shard's layers, allocated once at full capacity off the
 * Java heap. Each buffer is bound both as the layer's {@code past_*} input and its {@code present_*}
 * output, so attention appends in place: nothing grows or is copied per token.
 */
public final class KvCache implements AutoCloseable {

    private final LayerRange range;
    private final int capacity;
    /** Every layer's buffers by input name ({@code past_key.N}, {@code past_value.N}). */
    private final Map<String, OnnxTensor> past = new HashMap<>();
    /** The same buffers by output name ({@code present_key.N}, ...), bound as pinned outputs. */
    private final Map<String, OnnxValue> present = new HashMap<>();
    private int length;
    private boolean closed;

    KvCache(OrtEnvironment environment, ModelSpec spec, LayerRange range, int capacity) throws OrtException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("KV cache capacity must be positive, is " + capacity);
        }
        this.range = range;
        this.capacity = capacity;
        long[] shape = {1, spec.kvHeadCount(), capacity, spec.headSize()};
        int bytes = Math.multiplyExact(Math.multiplyExact(spec.kvSize(), capacity), Float.BYTES);
        try {
            for (int layer = range.start(); layer < range.end(); layer++) {
                OnnxTensor keys = OnnxTensor.createTensor(environment, allocate(bytes), shape);
                past.put(ShardGraph.pastKey(layer), keys);
                present.put(ShardGraph.presentKey(layer), keys);
                OnnxTensor values = OnnxTensor.createTensor(environment, allocate(bytes), shape);
                past.put(ShardGraph.pastValue(layer), values);
                present.put(ShardGraph.presentValue(layer), values);
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    public int capacity() {
        return capacity;
    }

    /** Tokens whose keys and values are in the cache. */
    public int length() {
        return length;
    }

    public int remaining() {
        return capacity - length;
    }

    LayerRange range() {
        return range;
    }

    boolean isClosed() {
        return closed;
    }

    Map<String, OnnxTensor> pastInputs() {
        return past;
    }

    Map<String, OnnxValue> presentOutputs() {
        return present;
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        closed = true;
        past.values().forEach(OnnxTensor::close);
        past.clear();
        present.clear();
    }

    private static FloatBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
