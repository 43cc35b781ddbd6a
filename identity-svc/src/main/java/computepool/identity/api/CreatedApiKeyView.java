package computepool.identity.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * A key just created: its view and, this once, its secret. The service keeps only a keyed hash of it, so a lost
 * secret cannot be shown again; the developer creates another key.
 */
public record CreatedApiKeyView(@JsonUnwrapped ApiKeyView key, String secret) {
}
