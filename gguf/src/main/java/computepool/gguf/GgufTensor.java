package computepool.gguf;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, shape in ggml order (the first dimension varies fastest,
 * so a {@code [576, 49152]} embedding is 49152 rows of 576) and its memory-mapped data.
 */
public final class GgufTensor {

    private final String name;
    private final long[] shape;
    private final GgmlType type;
    private final ByteBuffer data;

    GgufTensor(String name, long[] shape, GgmlType type, ByteBuffer data) {
        this.name = name;
        this.shape = shape.clone();
        this.type = type;
        this.data = data;
    }

    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    public GgmlType type() {
        return type;
    }

    public long elementCount() {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    /** The raw, still-quantized bytes, read-only and mapped from the file. */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer();
    }

    /** All values as fp32, in ggml order. */
    public float[] dequantize() {
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new GgufFormatException(name + " has " + count + " values, too many for one float[]");
        }
        return Dequantizer.dequantize(type, data, (int) count);
    }

    /** All values as fp32, in ggml order, written into {@code out} from its position on. */
    public void dequantizeInto(FloatBuffer out) {
        if (out.remaining() != elementCount()) {
            throw new IllegalArgumentException(name + " has " + elementCount() + " values, the buffer room for "
                    + out.remaining());
        }
        Dequantizer.dequantize(type, data, out);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
