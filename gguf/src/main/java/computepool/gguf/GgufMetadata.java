package computepool.gguf;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The key-value metadata of a GGUF file. Values keep GGUF's kinds as Java types: every integer
 * type is a {@link Long} (uint64 as its bit pattern), float32 a {@link Float}, float64 a
 * {@link Double}, bool a {@link Boolean}, string a {@link String}, array an unmodifiable
 * {@link List} of such values.
 */
public final class GgufMetadata {

    private final Map<String, Object> values;

    GgufMetadata(Map<String, Object> values) {
        this.values = Map.copyOf(values);
    }

    public Optional<Object> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String string(String key) {
        return typed(key, String.class);
    }

    public long integer(String key) {
        return typed(key, Long.class);
    }

    public Optional<Integer> optionalInt(String key) {
        return find(key).map(value -> Math.toIntExact(typed(key, Long.class)));
    }

    /** A float32 or float64 value. */
    public double real(String key) {
        return typed(key, Number.class).doubleValue();
    }

    public Optional<Double> optionalReal(String key) {
        return find(key).map(value -> real(key));
    }

    public boolean bool(String key) {
        return typed(key, Boolean.class);
    }

    public List<String> strings(String key) {
        return elements(key, String.class);
    }

    public int[] ints(String key) {
        return elements(key, Long.class).stream().mapToInt(Math::toIntExact).toArray();
    }

    private <T> List<T> elements(String key, Class<T> type) {
        List<?> list = typed(key, List.class);
        for (Object element : list) {
            if (!type.isInstance(element)) {
                throw new GgufFormatException("metadata " + key + " holds " + element.getClass().getSimpleName()
                        + " elements, expected " + type.getSimpleName());
            }
        }
        @SuppressWarnings("unchecked") // every element was checked above
        List<T> checked = (List<T>) list;
        return checked;
    }

    private <T> T typed(String key, Class<T> type) {
        Object value = find(key).orElseThrow(() -> new GgufFormatException("metadata " + key + " is missing"));
        if (!type.isInstance(value)) {
            throw new GgufFormatException("metadata " + key + " is a " + value.getClass().getSimpleName()
                    + ", expected " + type.getSimpleName());
        }
        return type.cast(value);
    }
}
