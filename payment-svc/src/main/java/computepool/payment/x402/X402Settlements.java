package computepool.payment.x402;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The requirements each x402 settlement is bound to (table {@code x402_settlement}). Callers are worker threads, so
 * each method blocks until its statement has committed.
 */
@ApplicationScoped
public class X402Settlements {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Pool database;

    public X402Settlements(Pool database) {
        this.database = database;
    }

    /**
     * Binds the settlement to these requirements unless it is bound already.
     *
     * @return the requirements it is bound to: these, or those of whoever bound it first
     */
    public String bind(String actionKey, String requirementsDigest, String resource, Instant now) {
        return database.withTransaction(connection -> connection.preparedQuery("""
                        insert into x402_settlement (action_key, requirements, resource, bound_at) values ($1, $2, $3, $4)
                        on conflict (action_key) do nothing""")
                .execute(Tuple.of(actionKey, requirementsDigest, resource, now.atOffset(ZoneOffset.UTC)))
                .chain(() -> connection.preparedQuery("select requirements from x402_settlement where action_key = $1")
                        .execute(Tuple.of(actionKey))))
                .map(rows -> rows.iterator().next().getString("requirements"))
                .await().atMost(TIMEOUT);
    }

    /** The requirements the settlement is bound to; none for a settlement made before bindings were kept. */
    public Optional<String> boundTo(String actionKey) {
        RowSet<Row> rows = database.preparedQuery("select requirements from x402_settlement where action_key = $1")
                .execute(Tuple.of(actionKey)).await().atMost(TIMEOUT);
        return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("requirements"));
    }

    /** The resource the settlement was bound for; none for a settlement made before bindings were kept. */
    public Optional<String> resourceOf(String actionKey) {
        RowSet<Row> rows = database.preparedQuery("select resource from x402_settlement where action_key = $1")
                .execute(Tuple.of(actionKey)).await().atMost(TIMEOUT);
        return rows.size() == 0 ? Optional.empty() : Optional.ofNullable(rows.iterator().next().getString("resource"));
    }
}
