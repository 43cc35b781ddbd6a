package computepool.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class DequantizerTest {

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static short f16(float value) {
        return Float.floatToFloat16(value);
    }

    /** Byte j holds value j in its low nibble and value j + 16 in its high nibble. */
    private static void nibbles(ByteBuffer block, int[] q) {
        for (int j = 0; j < 16; j++) {
            block.put((byte) (q[j] | q[j + 16] << 4));
        }
    }

    private static int[] ramp() {
        int[] q = new int[32];
        for (int i = 0; i < 32; i++) {
            q[i] = (i * 7) % 16;
        }
        return q;
    }

    @Test
    void f32ValuesAreReadLittleEndian() {
        ByteBuffer data = buffer(12).putFloat(1.5f).putFloat(-2f).putFloat(1e-3f).flip();
        assertArrayEquals(new float[] {1.5f, -2f, 1e-3f}, Dequantizer.dequantize(GgmlType.F32, data, 3));
    }

    @Test
    void f16ValuesWidenExactly() {
        ByteBuffer data = buffer(8).putShort(f16(0.5f)).putShort(f16(-3.25f)).putShort(f16(65504f))
                .putShort((short) 0x0001).flip();
        float smallestSubnormal = (float) Math.pow(2, -24);
        assertArrayEquals(new float[] {0.5f, -3.25f, 65504f, smallestSubnormal},
                Dequantizer.dequantize(GgmlType.F16, data, 4));
    }

    @Test
    void q4_0SubtractsEightBeforeScaling() {
        int[] q = ramp();
        ByteBuffer block = buffer(18).putShort(f16(0.25f));
        nibbles(block, q);
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = (q[i] - 8) * 0.25f;
        }
        assertArrayEquals(expected, Dequantizer.dequantize(GgmlType.Q4_0, block.flip(), 32));
    }

    @Test
    void q4_1ScalesAndAddsTheMinimum() {
        int[] q = ramp();
        ByteBuffer block = buffer(20).putShort(f16(0.5f)).putShort(f16(-1.75f));
        nibbles(block, q);
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = q[i] * 0.5f - 1.75f;
        }
        assertArrayEquals(expected, Dequantizer.dequantize(GgmlType.Q4_1, block.flip(), 32));
    }

    @Test
    void q8_0ScalesSignedBytesBlockByBlock() {
        ByteBuffer blocks = buffer(68);
        float[] expected = new float[64];
        float[] scales = {0.125f, -2f};
        for (int b = 0; b < 2; b++) {
            blocks.putShort(f16(scales[b]));
            for (int j = 0; j < 32; j++) {
                byte q = (byte) (j * 9 - 128 + b);
                blocks.put(q);
                expected[b * 32 + j] = q * scales[b];
            }
        }
        assertArrayEquals(expected, Dequantizer.dequantize(GgmlType.Q8_0, blocks.flip(), 64));
    }

    @Test
    void partialBlocksAndShortDataAreRejected() {
        assertThrows(GgufFormatException.class, () -> Dequantizer.dequantize(GgmlType.Q4_1, buffer(20), 16));
        assertThrows(GgufFormatException.class, () -> Dequantizer.dequantize(GgmlType.Q8_0, buffer(33), 32));
    }
}
