package computepool.gguf;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reads GGUF's little-endian header primitives and typed metadata values from a buffer. */
final class HeaderReader {

    private final ByteBuffer in;

    HeaderReader(ByteBuffer in) {
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    }

    long position() {
        return in.position();
    }

    int u32() {
        return guard(in::getInt);
    }

    long u64() {
        return guard(in::getLong);
    }

    String string() {
        int length = count(u64(), "string length");
        byte[] bytes = new byte[length];
        guard(() -> in.get(bytes));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A value of GGUF value type {@code type}; see {@link GgufMetadata} for the Java types. */
    Object value(int type) {
        return switch (type) {
            case 0 -> (long) guard(in::get) & 0xFF;
            case 1 -> (long) guard(in::get);
            case 2 -> (long) guard(in::getShort) & 0xFFFF;
            case 3 -> (long) guard(in::getShort);
            case 4 -> (long) guard(in::getInt) & 0xFFFF_FFFFL;
            case 5 -> (long) guard(in::getInt);
            case 6 -> guard(in::getFloat);
            case 7 -> guard(in::get) != 0;
            case 8 -> string();
            case 9 -> array();
            case 10, 11 -> guard(in::getLong);
            case 12 -> guard(in::getDouble);
            default -> throw new GgufFormatException("unknown metadata value type " + type + " at byte " + position());
        };
    }

    /** A count read from the file, checked against what the rest of the file could hold. */
    int count(long value, String what) {
        if (value < 0 || value > in.remaining()) {
            throw new GgufFormatException(what + " " + Long.toUnsignedString(value) + " at byte " + position()
                    + " exceeds the " + in.remaining() + " bytes left");
        }
        return (int) value;
    }

    private List<Object> array() {
        int elementType = u32();
        int length = count(u64(), "array length");
        List<Object> elements = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            elements.add(value(elementType));
        }
        return Collections.unmodifiableList(elements);
    }

    private interface Read<T> {
        T get();
    }

    private <T> T guard(Read<T> read) {
        try {
            return read.get();
        } catch (BufferUnderflowException e) {
            throw new GgufFormatException("file ends inside its header, at byte " + in.position());
        }
    }
}
