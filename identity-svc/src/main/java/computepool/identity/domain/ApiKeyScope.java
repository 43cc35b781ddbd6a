package computepool.identity.domain;

import java.util.Arrays;
import java.util.Optional;

/** What an API key may be used for; a key carries one or more. */
public enum ApiKeyScope {

    /** The OpenAI-compatible inference API. */
    INFERENCE("inference"),
    /** Sandboxes: create, upload, exec, download, stop. */
    SANDBOXES("sandboxes"),
    /** Orders and reservations on the compute market. */
    MARKET("market");

    private final String wireName;

    ApiKeyScope(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<ApiKeyScope> fromWireName(String name) {
        return Arrays.stream(values()).filter(scope -> scope.wireName.equals(name)).findFirst();
    }

    /** The names a request may use, for error messages. */
    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(ApiKeyScope::wireName).toList());
    }
}
