package computepool.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {

    @TempDir
    Path dir;

    /** Writes GGUF's little-endian primitives, to build files byte by byte. */
    private static final class Writer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer raw(int bytes, long value) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
            out.write(b.array(), 0, bytes);
            return this;
        }

        Writer u32(long value) {
            return raw(4, value);
        }

        Writer u64(long value) {
            return raw(8, value);
        }

        Writer string(String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        Writer key(String key, int type) {
            return string(key).u32(type);
        }

        Writer padTo(int alignment) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
            return this;
        }
    }

    private static Writer header(long tensors, long keys) {
        return new Writer().raw(4, 0x4655_4747).u32(3).u64(tensors).u64(keys);
    }

    private Path write(Writer writer) throws IOException {
        return Files.write(dir.resolve("model.gguf"), writer.out.toByteArray());
    }

    @Test
    void readsEveryMetadataTypeAndMapsAlignedTensors() throws IOException {
        Writer w = header(2, 14);
        w.key("u8", 0).raw(1, 200);
        w.key("i8", 1).raw(1, -3);
        w.key("u16", 2).raw(2, 65000);
        w.key("i16", 3).raw(2, -300);
        w.key("u32", 4).u32(4_000_000_000L);
        w.key("i32", 5).u32(-70_000);
        w.key("f32", 6).u32(Float.floatToIntBits(0.5f));
        w.key("bool", 7).raw(1, 1);
        w.key("string", 8).string("héllo");
        w.key("u64", 10).u64(1L << 40);
        w.key("i64", 11).u64(-5);
        w.key("f64", 12).u64(Double.doubleToLongBits(2.25));
        w.key("nested", 9).u32(9).u64(2).u32(4).u64(1).u32(7).u32(8).u64(0);
        w.key("general.alignment", 4).u32(64);
        w.string("weights").u32(2).u64(3).u64(2).u32(0).u64(0);
        w.string("embedding").u32(1).u64(32).u32(8).u64(64);
        w.padTo(64);
        for (int i = 0; i < 6; i++) {
            w.u32(Float.floatToIntBits(i - 2.5f));
        }
        w.padTo(64).raw(2, Float.floatToFloat16(0.5f));
        for (int i = 0; i < 32; i++) {
            w.raw(1, i - 16);
        }

        GgufFile file = GgufFile.open(write(w));

        GgufMetadata m = file.metadata();
        assertEquals(3, file.version());
        assertEquals(64, file.alignment());
        assertEquals(200L, m.integer("u8"));
        assertEquals(-3L, m.integer("i8"));
        assertEquals(65000L, m.integer("u16"));
        assertEquals(-300L, m.integer("i16"));
        assertEquals(4_000_000_000L, m.integer("u32"));
        assertEquals(-70_000L, m.integer("i32"));
        assertEquals(0.5f, m.find("f32").orElseThrow());
        assertTrue(m.bool("bool"));
        assertEquals("héllo", m.string("string"));
        assertEquals(1L << 40, m.integer("u64"));
        assertEquals(-5L, m.integer("i64"));
        assertEquals(2.25, m.find("f64").orElseThrow());
        assertEquals(List.of(List.of(7L), List.of()), m.find("nested").orElseThrow());

        GgufTensor weights = file.tensor("weights").orElseThrow();
        assertArrayEquals(new long[] {3, 2}, weights.shape());
        assertArrayEquals(new float[] {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}, weights.dequantize());
        GgufTensor embedding = file.tensor("embedding").orElseThrow();
        assertEquals(GgmlType.Q8_0, embedding.type());
        assertEquals(-8f, embedding.dequantize()[0]);
        assertEquals(7.5f, embedding.dequantize()[31]);
    }

    @Test
    void namesWhatIsWrongWithABadFile() throws IOException {
        Path notGguf = Files.writeString(dir.resolve("x.gguf"), "GGML and more bytes than that");
        assertTrue(assertThrows(GgufFormatException.class, () -> GgufFile.open(notGguf))
                .getMessage().contains("not a GGUF file"));

        Path unsupported = write(header(1, 0).string("t").u32(1).u64(32).u32(12).u64(0));
        assertTrue(assertThrows(GgufFormatException.class, () -> GgufFile.open(unsupported))
                .getMessage().contains("unsupported ggml tensor type 12"));

        Path truncated = write(header(1, 0).string("t").u32(1).u64(64).u32(0).u64(0));
        assertTrue(assertThrows(GgufFormatException.class, () -> GgufFile.open(truncated))
                .getMessage().contains("runs past the end of the file"));

        Path wrongType = write(header(0, 1).key("general.alignment", 8).string("sixty-four"));
        assertTrue(assertThrows(GgufFormatException.class, () -> GgufFile.open(wrongType))
                .getMessage().contains("general.alignment is a String"));
    }
}
