package computepool.shard.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import computepool.gguf.Dequantizer;
import computepool.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the graph computes from the rewritten blocks, {@code (q - zero_point) * scale} plus the
 * block's minimum for Q4_1, is the value ggml stored.
 */
class Q4BlocksTest {

    private static final int ROWS = 3;
    private static final int IN = 64;

    @Test
    void q4_1BlocksMeanTheSameValuesAfterRepacking() {
        assertSameValues(GgmlType.Q4_1, randomBlocks(GgmlType.Q4_1, 1));
    }

    @Test
    void q4_0BlocksUseTheDefaultZeroPointOfEight() {
        ByteBuffer stored = randomBlocks(GgmlType.Q4_0, 2);
        assertFalse(new Q4Blocks(GgmlType.Q4_0, stored, ROWS, IN).hasMinimums());
        assertSameValues(GgmlType.Q4_0, stored);
    }

    @Test
    void aQ4_1BlockWithoutScaleHoldsItsMinimumEverywhere() {
        ByteBuffer stored = randomBlocks(GgmlType.Q4_1, 3);
        stored.putShort(0, Float.floatToFloat16(0f));
        stored.putShort(2, Float.floatToFloat16(-0.75f));
        assertSameValues(GgmlType.Q4_1, stored);
        assertEquals(-0.75f, Dequantizer.dequantize(GgmlType.Q4_1, stored, ROWS * IN)[5]);
    }

    private static void assertSameValues(GgmlType type, ByteBuffer stored) {
        float[] expected = Dequantizer.dequantize(type, stored, ROWS * IN);
        Q4Blocks blocks = new Q4Blocks(type, stored, ROWS, IN);
        int count = blocks.blockCount();
        int blocksPerRow = IN / Q4Blocks.BLOCK;
        ByteBuffer packed = ByteBuffer.allocate(count * Q4Blocks.PACKED_BYTES);
        FloatBuffer scales = FloatBuffer.allocate(count);
        FloatBuffer minimums = FloatBuffer.allocate(count);
        blocks.packedInto(packed);
        blocks.scalesInto(scales);
        if (blocks.hasMinimums()) {
            blocks.minimumsInto(minimums);
        }
        assertFalse(packed.hasRemaining() || scales.hasRemaining()
                || blocks.hasMinimums() && minimums.hasRemaining());
        int zeroPoint = blocks.hasMinimums() ? 0 : 8;
        for (int i = 0; i < ROWS * IN; i++) {
            int block = i / Q4Blocks.BLOCK;
            int inBlock = i % Q4Blocks.BLOCK;
            int nibbles = packed.get(block * Q4Blocks.PACKED_BYTES + inBlock / 2) & 0xFF;
            int q = inBlock % 2 == 0 ? nibbles & 0x0F : nibbles >>> 4;
            // minimums are block-major: [block of the row][row]
            int row = block / blocksPerRow;
            float minimum = blocks.hasMinimums() ? minimums.get((block % blocksPerRow) * ROWS + row) : 0;
            float value = (q - zeroPoint) * scales.get(block) + minimum;
            assertEquals(expected[i], value, 1e-6f * Math.max(1, Math.abs(expected[i])), "value " + i);
        }
        assertEquals(ROWS * IN / Q4Blocks.BLOCK, count);
    }

    private static ByteBuffer randomBlocks(GgmlType type, long seed) {
        Random random = new Random(seed);
        int blocks = ROWS * IN / Q4Blocks.BLOCK;
        ByteBuffer stored = ByteBuffer.allocate(Math.toIntExact(type.byteSize(ROWS * IN))).order(ByteOrder.LITTLE_ENDIAN);
        for (int block = 0; block < blocks; block++) {
            stored.putShort(Float.floatToFloat16((float) random.nextGaussian() * 0.05f));
            if (type == GgmlType.Q4_1) {
                stored.putShort(Float.floatToFloat16((float) random.nextGaussian() * 0.3f));
            }
            for (int j = 0; j < Q4Blocks.PACKED_BYTES; j++) {
                stored.put((byte) random.nextInt(256));
            }
        }
        return stored.flip();
    }
}
