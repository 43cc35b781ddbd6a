package computepool.problems;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.function.Function;

/**
 * Reads JSON scalars as their schemas say, in every service: {@code "stream": "yes"}, {@code "temperature": "0.5"},
 * {@code "max_tokens": 1.5} or {@code "zone": false} are wrong types (400 naming the field), not values for Jackson
 * to coerce, truncate or turn into the string {@code "false"}.
 */
@Singleton
public class StrictJsonScalars implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        for (LogicalType type : new LogicalType[] { LogicalType.Integer, LogicalType.Float, LogicalType.Boolean }) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        // ...except that 12.0 is an integer in JSON Schema, so it is one here; 12.5 still is not.
        mapper.registerModule(new SimpleModule("whole-numbers")
                .addDeserializer(Integer.class, new WholeNumber<>(Integer.class, BigDecimal::intValueExact))
                .addDeserializer(int.class, new WholeNumber<>(int.class, BigDecimal::intValueExact))
                .addDeserializer(Long.class, new WholeNumber<>(Long.class, BigDecimal::longValueExact))
                .addDeserializer(long.class, new WholeNumber<>(long.class, BigDecimal::longValueExact)));
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        for (CoercionInputShape scalar : new CoercionInputShape[] { CoercionInputShape.Boolean,
                CoercionInputShape.Integer, CoercionInputShape.Float }) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(scalar, CoercionAction.Fail);
        }
    }

    /** An integer written as a JSON number with a zero fraction (12.0) is that integer; other floats stay wrong. */
    private static final class WholeNumber<T> extends StdScalarDeserializer<T> {

        private final Function<BigDecimal, T> exact;
        private final JsonDeserializer<?> standard;

        WholeNumber(Class<T> type, Function<BigDecimal, T> exact) {
            super(type);
            this.exact = exact;
            this.standard = NumberDeserializers.find(type, type.getName());
        }

        @Override
        @SuppressWarnings("unchecked")
        public T deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
                BigDecimal value = parser.getDecimalValue();
                try {
                    return exact.apply(value.stripTrailingZeros().scale() <= 0 ? value.setScale(0) : value);
                } catch (ArithmeticException e) {
                    return (T) context.handleWeirdNumberValue(handledType(), value, "not a whole number in range");
                }
            }
            return (T) standard.deserialize(parser, context);
        }

        @Override
        public T getNullValue(DeserializationContext context) throws com.fasterxml.jackson.databind.JsonMappingException {
            return handledType().isPrimitive() ? (T) standard.getNullValue(context) : null;
        }
    }
}
