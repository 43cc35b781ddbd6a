package computepool.shard.engine;

import computepool.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A weight matrix in GGUF's 4-bit blocks (Q4_0, Q4_1) rewritten for ONNX Runtime's
 * {@code MatMulNBits}, which keeps it 4-bit in memory and computes {@code (q - zero_point) * scale}
 * per block of 32 values of a row. Each input is written on its own, straight into the engine's
 * off-heap buffer for it.
 *
 * <p>ggml puts value {@code j} of a block in the low nibble of byte {@code j} and value
 * {@code j + 16} in its high nibble; {@code MatMulNBits} wants values {@code 2j} and {@code 2j + 1}
 * in byte {@code j}, low nibble first. Q4_0 stores {@code (q - 8) * d}: 8 is {@code MatMulNBits}'
 * default zero point. Q4_1 stores {@code q * d + m}: zero points of 0, and the minimums {@code m},
 * which the graph adds in a separate product (see {@code ShardGraph}).
 */
final class Q4Blocks {

    static final int BLOCK = 32;
    static final int PACKED_BYTES = BLOCK / 2;

    private final GgmlType type;
    private final ByteBuffer stored;
    private final int rows;
    private final int blocksPerRow;

    /** {@code rows} rows of {@code in} values of {@code type}, as stored in {@code stored}. */
    Q4Blocks(GgmlType type, ByteBuffer stored, int rows, int in) {
        if (!isQ4(type) || in % BLOCK != 0) {
            throw new IllegalArgumentException(type + " rows of " + in + " values are not 4-bit blocks of " + BLOCK);
        }
        this.type = type;
        this.stored = stored;
        this.rows = rows;
        this.blocksPerRow = in / BLOCK;
    }

    static boolean isQ4(GgmlType type) {
        return type == GgmlType.Q4_0 || type == GgmlType.Q4_1;
    }

    int blockCount() {
        return rows * blocksPerRow;
    }

    /** Whether blocks carry a minimum to add (Q4_1), so nibbles count from 0 instead of 8. */
    boolean hasMinimums() {
        return type == GgmlType.Q4_1;
    }

    /** {@code [rows, blocksPerRow, 16]} bytes of nibbles. */
    void packedInto(ByteBuffer out) {
        int[] values = new int[BLOCK];
        ByteBuffer in = blocks();
        for (int block = 0; block < blockCount(); block++) {
            skipHeader(in);
            for (int j = 0; j < PACKED_BYTES; j++) {
                int q = in.get() & 0xFF;
                values[j] = q & 0x0F;
                values[j + PACKED_BYTES] = q >>> 4;
            }
            for (int j = 0; j < PACKED_BYTES; j++) {
                out.put((byte) (values[2 * j] | values[2 * j + 1] << 4));
            }
        }
    }

    /** {@code [rows * blocksPerRow]} scales {@code d}. */
    void scalesInto(FloatBuffer out) {
        ByteBuffer in = blocks();
        int blockBytes = (int) type.byteSize(BLOCK);
        for (int block = 0; block < blockCount(); block++) {
            out.put(Float.float16ToFloat(in.getShort(block * blockBytes)));
        }
    }

    /** {@code [blocksPerRow, rows]} minimums {@code m}, block-major so block sums of {@code x} multiply them. */
    void minimumsInto(FloatBuffer out) {
        if (!hasMinimums()) {
            throw new IllegalStateException(type + " blocks have no minimum");
        }
        ByteBuffer in = blocks();
        int base = out.position();
        int blockBytes = (int) type.byteSize(BLOCK);
        for (int row = 0; row < rows; row++) {
            for (int block = 0; block < blocksPerRow; block++) {
                int start = (row * blocksPerRow + block) * blockBytes;
                out.put(base + block * rows + row, Float.float16ToFloat(in.getShort(start + Short.BYTES)));
            }
        }
        out.position(base + blockCount());
    }

    private ByteBuffer blocks() {
        return stored.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private void skipHeader(ByteBuffer in) {
        in.position(in.position() + (hasMinimums() ? 2 * Short.BYTES : Short.BYTES));
    }
}
