package computepool.problems;

import java.sql.SQLException;

/**
 * Recognises PostgreSQL's unique_violation (SQLSTATE 23505) on a named constraint, however the
 * persistence layer wrapped it, so a service can answer 409 naming the field the constraint guards.
 */
public final class UniqueViolation {

    private static final String UNIQUE_VIOLATION = "23505";

    private UniqueViolation() {
    }

    public static boolean on(Throwable failure, String constraint) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return String.valueOf(sql.getMessage()).contains('"' + constraint + '"');
            }
        }
        return false;
    }
}
