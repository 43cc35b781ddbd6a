package computepool.billing.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/** Native SQL in the caller's reactive session, for the stores whose rows are no Hibernate entities. */
final class NativeSql {

    private NativeSql() {
    }

    /** Runs an insert, update or delete with named parameters; the rows it changed. */
    static Uni<Integer> update(String sql, Map<String, Object> parameters) {
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql);
            parameters.forEach(query::setParameter);
            return query.executeUpdate();
        });
    }

    static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }

    /** A timestamp column as the driver hands it back. */
    static Instant instant(Object value) {
        return value instanceof OffsetDateTime at ? at.toInstant() : ((java.sql.Timestamp) value).toInstant();
    }
}
