package computepool.market.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One credential of a node: its hash, never its secret. */
@Entity
@Table(name = "node_credential")
public class NodeCredentialRecord {

    @Id
    public UUID id;

    @Column(name = "node_id", nullable = false, updatable = false)
    public UUID nodeId;

    @Column(nullable = false, updatable = false)
    public String prefix;

    @Column(name = "secret_hash", nullable = false, updatable = false)
    public byte[] secretHash;

    @Column(name = "issued_at", nullable = false, updatable = false)
    public Instant issuedAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
