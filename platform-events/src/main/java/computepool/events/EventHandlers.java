package computepool.events;

import com.google.protobuf.Message;
import io.smallrye.mutiny.Uni;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What one consumer does with each event type it cares about, keyed by {@code ce_type}. Immutable.
 */
public final class EventHandlers {

    private final Map<String, Route<?>> routes;

    private EventHandlers(Map<String, Route<?>> routes) {
        this.routes = Map.copyOf(routes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Handlers for a single event type.
     */
    public static <T extends Message> EventHandlers of(T prototype, BiFunction<EventEnvelope, T, Uni<Void>> handler) {
        return builder().on(prototype, handler).build();
    }

    /**
     * The effect of {@code event}, with its payload already decoded; empty when this consumer ignores its type.
     *
     * @throws MalformedEventException when the payload does not decode
     */
    Optional<Function<EventEnvelope, Uni<Void>>> effectOf(EventEnvelope event) {
        return Optional.ofNullable(routes.get(event.type())).map(route -> route.bind(event));
    }

    public static final class Builder {

        private final Map<String, Route<?>> routes = new HashMap<>();

        private Builder() {
        }

        /**
         * @param prototype the payload's default instance, e.g. {@code InferenceUsage.getDefaultInstance()}
         */
        public <T extends Message> Builder on(T prototype, BiFunction<EventEnvelope, T, Uni<Void>> handler) {
            String type = EventEnvelope.typeOf(prototype);
            if (routes.putIfAbsent(type, new Route<>(prototype, handler)) != null) {
                throw new IllegalArgumentException("two handlers for " + type);
            }
            return this;
        }

        public EventHandlers build() {
            return new EventHandlers(routes);
        }
    }

    private record Route<T extends Message>(T prototype, BiFunction<EventEnvelope, T, Uni<Void>> handler) {

        Function<EventEnvelope, Uni<Void>> bind(EventEnvelope event) {
            T payload = event.payload(prototype);
            return envelope -> handler.apply(envelope, payload);
        }
    }
}
