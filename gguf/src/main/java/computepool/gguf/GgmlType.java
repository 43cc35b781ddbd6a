package computepool.gguf;

import java.util.Arrays;

/**
 * The ggml tensor element types this reader can dequantize, with ggml's numeric ids and block
 * layouts. A block holds {@code blockSize} values in {@code bytesPerBlock} bytes.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q8_0(8, 32, 34);

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** Bytes taken by {@code elements} values; they must fill whole blocks, as ggml requires. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new GgufFormatException(
                    name() + " holds values in blocks of " + blockSize + ", not " + elements + " values");
        }
        return elements / blockSize * bytesPerBlock;
    }

    static GgmlType ofId(int id) {
        return Arrays.stream(values())
                .filter(type -> type.id == id)
                .findFirst()
                .orElseThrow(() -> new GgufFormatException("unsupported ggml tensor type " + id
                        + " (supported: F32, F16, Q4_0, Q4_1, Q8_0)"));
    }
}
