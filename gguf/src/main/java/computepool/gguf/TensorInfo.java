package computepool.gguf;

import java.io.IOException;
import java.nio.channels.FileChannel;

/** A tensor's entry in the GGUF header, before its data is mapped. */
record TensorInfo(String name, long[] shape, GgmlType type, long offset) {

    private static final int MAX_DIMS = 4; // GGML_MAX_DIMS

    static TensorInfo read(HeaderReader header) {
        String name = header.string();
        int dims = header.u32();
        if (dims < 1 || dims > MAX_DIMS) {
            throw new GgufFormatException(
                    "tensor " + name + " has " + dims + " dimensions; ggml allows 1 to " + MAX_DIMS);
        }
        long[] shape = new long[dims];
        for (int i = 0; i < dims; i++) {
            shape[i] = header.u64();
            if (shape[i] < 0) {
                throw new GgufFormatException("tensor " + name + " has dimension " + Long.toUnsignedString(shape[i]));
            }
        }
        GgmlType type = GgmlType.ofId(header.u32());
        return new TensorInfo(name, shape, type, header.u64());
    }

    GgufTensor map(FileChannel channel, long dataStart, int alignment) throws IOException {
        long elements = 1;
        for (long dim : shape) {
            elements = Math.multiplyExact(elements, dim);
        }
        long bytes = type.byteSize(elements);
        if (offset < 0 || offset % alignment != 0) {
            throw new GgufFormatException("tensor " + name + " starts at offset " + offset
                    + ", not a multiple of the alignment " + alignment);
        }
        if (dataStart + offset + bytes > channel.size()) {
            throw new GgufFormatException("tensor " + name + " (" + bytes + " bytes at data offset " + offset
                    + ") runs past the end of the file");
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new GgufFormatException("tensor " + name + " has " + bytes + " bytes; at most 2 GiB per tensor");
        }
        return new GgufTensor(name, shape, type, channel.map(FileChannel.MapMode.READ_ONLY, dataStart + offset, bytes));
    }
}
