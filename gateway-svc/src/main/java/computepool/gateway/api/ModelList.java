package computepool.gateway.api;

import java.util.List;

/** The answer of {@code GET /v1/models}: {@code {"object": "list", "data": [...]}}. */
public record ModelList(String object, List<Model> data) {

    /** One model the gateway serves. */
    public record Model(String id, String object, long created, String ownedBy) {
    }

    public static ModelList of(List<Model> models) {
        return new ModelList("list", List.copyOf(models));
    }
}
