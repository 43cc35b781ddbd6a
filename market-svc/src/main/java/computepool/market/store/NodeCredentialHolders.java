package computepool.market.store;

import computepool.auth.RandomSecrets;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * Whose a node credential is, asked on every call a worker makes, so that a revoked credential stops working at
 * once. Blocking JDBC, for the security layer's worker threads: authentication runs before any reactive session.
 */
@ApplicationScoped
public class NodeCredentialHolders {

    /** The node a working credential belongs to, and that node's operator. */
    public record Holder(UUID nodeId, String operatorId) {
    }

    private final AgroalDataSource database;

    public NodeCredentialHolders(AgroalDataSource database) {
        this.database = database;
    }

    public Optional<Holder> of(String secret) throws SQLException {
        if (!RandomSecrets.wellFormed(NodeCredentialStore.MARKER, secret)) {
            return Optional.empty();
        }
        try (Connection connection = database.getConnection();
                PreparedStatement query = connection.prepareStatement("""
                        select n.id, n.operator_id from node_credential c join node n on n.id = c.node_id
                        where c.secret_hash = ? and c.revoked_at is null""")) {
            query.setBytes(1, NodeCredentialStore.hash(secret));
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(new Holder(row.getObject(1, UUID.class), row.getString(2)))
                        : Optional.empty();
            }
        }
    }
}
