package computepool.shard.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One session's keys and values for a shard's layers, allocated once at full capacity off the
 * Java heap. Each buffer is bound both as the layer's {@code past_*} input and its {@code present_*}
 * output, so attention appends in place: nothing grows or is copied per token.
 */
public final class KvCache implements AutoCloseable {

    private final LayerRange range;
    private final int capacity;
    private final Map<Integer, OnnxTensor> keys = new LinkedHashMap<>();
    private final Map<Integer, OnnxTensor> values = new LinkedHashMap<>();
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
                keys.put(layer, OnnxTensor.createTensor(environment, allocate(bytes), shape));
                values.put(layer, OnnxTensor.createTensor(environment, allocate(bytes), shape));
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes one session of {@code capacity} tokens takes on a shard of {@code layers} layers. */
    public static long bytes(ModelSpec spec, int layers, int capacity) {
        return 2L * layers * spec.kvSize() * capacity * Float.BYTES;
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

    OnnxTensor key(int layer) {
        return keys.get(layer);
    }

    OnnxTensor value(int layer) {
        return values.get(layer);
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        closed = true;
        keys.values().forEach(OnnxTensor::close);
        values.values().forEach(OnnxTensor::close);
        keys.clear();
        values.clear();
    }

    private static FloatBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
