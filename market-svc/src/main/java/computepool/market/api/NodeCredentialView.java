package computepool.market.api;

import computepool.market.store.NodeCredentialRecord;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A node credential as the REST API shows it.
 *
 * @param secret    what the node's workers present to market-svc; only in the answer that issued it, never again
 * @param revokedAt when it stopped working; null while it works
 */
public record NodeCredentialView(UUID id, String prefix, Instant issuedAt,
        @Schema(nullable = true) Instant revokedAt, @Schema(nullable = true) String secret) {

    static NodeCredentialView listed(NodeCredentialRecord row) {
        return new NodeCredentialView(row.id, row.prefix, row.issuedAt, row.revokedAt, null);
    }

    static NodeCredentialView issued(NodeCredentialRecord row, String secret) {
        return new NodeCredentialView(row.id, row.prefix, row.issuedAt, null, secret);
    }
}
