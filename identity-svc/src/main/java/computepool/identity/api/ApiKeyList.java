package computepool.identity.api;

import java.util.List;

/** The signed-in developer's keys, newest first. */
public record ApiKeyList(List<ApiKeyView> keys) {
}
