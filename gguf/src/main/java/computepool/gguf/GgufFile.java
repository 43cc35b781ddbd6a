package computepool.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF model file (versions 2 and 3): its metadata and its tensors, whose data stays
 * memory-mapped rather than read onto the heap. Each tensor is mapped on its own, so files larger
 * than one {@link ByteBuffer} can address work as long as no single tensor exceeds 2 GiB.
 */
public final class GgufFile {

    private static final int MAGIC = 0x4655_4747; // "GGUF" read little-endian
    private static final int DEFAULT_ALIGNMENT = 32;

    private final int version;
    private final GgufMetadata metadata;
    private final int alignment;
    private final Map<String, GgufTensor> tensors;

    private GgufFile(int version, GgufMetadata metadata, int alignment, Map<String, GgufTensor> tensors) {
        this.version = version;
        this.metadata = metadata;
        this.alignment = alignment;
        this.tensors = tensors;
    }

    /** Reads the header and maps every tensor. The mappings outlive the channel, closed here. */
    public static GgufFile open(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            HeaderReader header = new HeaderReader(
                    channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE - 8)));
            if (size < 4 || header.u32() != MAGIC) {
                throw new GgufFormatException(path + " is not a GGUF file (no GGUF magic)");
            }
            int version = header.u32();
            if (version != 2 && version != 3) {
                throw new GgufFormatException(path + " is GGUF version " + version + "; only 2 and 3 are supported");
            }
            int tensorCount = header.count(header.u64(), "tensor count");
            int keyCount = header.count(header.u64(), "metadata count");
            Map<String, Object> values = new LinkedHashMap<>();
            for (int i = 0; i < keyCount; i++) {
                String key = header.string();
                values.put(key, header.value(header.u32()));
            }
            GgufMetadata metadata = new GgufMetadata(values);
            int alignment = metadata.find("general.alignment").isPresent()
                    ? Math.toIntExact(metadata.integer("general.alignment")) : DEFAULT_ALIGNMENT;
            List<TensorInfo> infos = new ArrayList<>(tensorCount);
            for (int i = 0; i < tensorCount; i++) {
                infos.add(TensorInfo.read(header));
            }
            long dataStart = alignUp(header.position(), alignment);
            Map<String, GgufTensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : infos) {
                tensors.put(info.name(), info.map(channel, dataStart, alignment));
            }
            return new GgufFile(version, metadata, alignment, Collections.unmodifiableMap(tensors));
        }
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public int alignment() {
        return alignment;
    }

    /** The tensors in file order. */
    public List<GgufTensor> tensors() {
        return List.copyOf(tensors.values());
    }

    public Optional<GgufTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }
}
