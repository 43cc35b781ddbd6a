package computepool.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Turns ggml tensor data into floats, block by block, with ggml's layouts
 * ({@code ggml-quants.c}): each quantized block starts with an f16 scale {@code d}; Q4_1 adds an
 * f16 minimum {@code m}. In the 4-bit formats byte {@code j} carries value {@code j} in its low
 * nibble and value {@code j + 16} in its high nibble.
 */
public final class Dequantizer {

    private Dequantizer() {
    }

    /** Dequantizes {@code count} values of {@code type} from the start of {@code data}. */
    public static float[] dequantize(GgmlType type, ByteBuffer data, int count) {
        float[] out = new float[count];
        dequantize(type, data, FloatBuffer.wrap(out));
        return out;
    }

    /**
     * Dequantizes as many values as {@code out} has room for into it, from its position on, so a
     * large tensor can go straight into off-heap memory without a second copy on the heap.
     */
    public static void dequantize(GgmlType type, ByteBuffer data, FloatBuffer out) {
        int count = out.remaining();
        ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < type.byteSize(count)) {
            throw new GgufFormatException(type + " data of " + in.remaining() + " bytes is too short for "
                    + count + " values");
        }
        int start = out.position();
        switch (type) {
            case F32 -> out.put(in.asFloatBuffer().limit(count));
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.put(start + i, Float.float16ToFloat(in.getShort()));
                }
            }
            case Q4_0 -> q4_0(in, out, start, count);
            case Q4_1 -> q4_1(in, out, start, count);
            case Q8_0 -> blocks8(in, out, start, count);
        }
        out.position(start + count);
    }

    private static void q4_0(ByteBuffer in, FloatBuffer out, int start, int count) {
        for (int base = start; base < start + count; base += 32) {
            float d = Float.float16ToFloat(in.getShort());
            for (int j = 0; j < 16; j++) {
                int q = in.get() & 0xFF;
                // No stored minimum: the nibbles are centred on 8, subtracted before scaling as ggml does.
                out.put(base + j, ((q & 0x0F) - 8) * d);
                out.put(base + j + 16, ((q >>> 4) - 8) * d);
            }
        }
    }

    private static void q4_1(ByteBuffer in, FloatBuffer out, int start, int count) {
        for (int base = start; base < start + count; base += 32) {
            float d = Float.float16ToFloat(in.getShort());
            float m = Float.float16ToFloat(in.getShort());
            for (int j = 0; j < 16; j++) {
                int q = in.get() & 0xFF;
                out.put(base + j, (q & 0x0F) * d + m);
                out.put(base + j + 16, (q >>> 4) * d + m);
            }
        }
    }

    private static void blocks8(ByteBuffer in, FloatBuffer out, int start, int count) {
        for (int base = start; base < start + count; base += 32) {
            float d = Float.float16ToFloat(in.getShort());
            for (int j = 0; j < 32; j++) {
                out.put(base + j, in.get() * d);
            }
        }
    }
}
