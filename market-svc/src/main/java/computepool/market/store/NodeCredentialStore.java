package computepool.market.store;

import computepool.auth.RandomSecrets;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Node credentials: {@code cpn_} and 40 base62 characters, shown once when issued and kept as their SHA-256 only.
 * Every write joins the caller's reactive transaction.
 */
@ApplicationScoped
public class NodeCredentialStore implements PanacheRepositoryBase<NodeCredentialRecord, UUID> {

    public static final String MARKER = "cpn_";
    /** What listings show of a credential: enough to tell two apart, nothing to use. */
    static final int PREFIX_LENGTH = MARKER.length() + 8;

    /** A credential just issued: the only time its secret is known. */
    public record Issued(NodeCredentialRecord record, String secret) {
    }

    public Uni<Issued> issue(UUID nodeId, Instant now) {
        String secret = RandomSecrets.generate(MARKER);
        NodeCredentialRecord row = new NodeCredentialRecord();
        row.id = UUID.randomUUID();
        row.nodeId = nodeId;
        row.prefix = secret.substring(0, PREFIX_LENGTH);
        row.secretHash = hash(secret);
        row.issuedAt = now;
        return persistAndFlush(row).map(stored -> new Issued(stored, secret));
    }

    /** The node's credentials, oldest first. */
    public Uni<List<NodeCredentialRecord>> ofNode(UUID nodeId) {
        return find("nodeId = ?1 order by issuedAt, id", nodeId).list();
    }

    /**
     * Revokes the credential at once; revoking it again keeps the first time.
     *
     * @return whether the node has such a credential
     */
    public Uni<Boolean> revoke(UUID nodeId, UUID credentialId, Instant now) {
        return update("revokedAt = coalesce(revokedAt, ?3) where id = ?1 and nodeId = ?2", credentialId, nodeId, now)
                .map(updated -> updated > 0);
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
