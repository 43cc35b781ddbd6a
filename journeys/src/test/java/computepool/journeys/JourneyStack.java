package computepool.journeys;

import computepool.localstack.LocalStackEnv;
import computepool.localstack.PostgresAdmin;
import computepool.localstack.quarkus.TestLogins;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The running local stack as journeys see it: its addresses, a fresh database per service process,
 * the configuration a packaged service needs to run on it, and logins for the test users.
 */
public final class JourneyStack {

    private final LocalStackEnv env;
    private final PostgresAdmin postgres;
    /** Keeps this run's databases and consumer groups apart from earlier runs and other tests. */
    private final String runId = UUID.randomUUID().toString().substring(0, 8);

    private JourneyStack(LocalStackEnv env) {
        this.env = env;
        this.postgres = PostgresAdmin.forEnv(env);
    }

    public static JourneyStack fromEnvFile() {
        return new JourneyStack(LocalStackEnv.read(LocalStackEnv.locate().orElseThrow(() -> new IllegalStateException(
                "no local stack: run ./computepool test, or start one and set " + LocalStackEnv.LOCATION))));
    }

    public LocalStackEnv env() {
        return env;
    }

    public String runId() {
        return runId;
    }

    /** Configuration for a service on its own new database, named {@code <database>_<run id>}. */
    public Map<String, String> serviceConfig(String database) {
        String name = database + "_" + runId;
        postgres.createDatabase(name);
        return env.serviceConfig(Optional.of(name));
    }

    public Connection database(String database) throws SQLException {
        return postgres.connect(database + "_" + runId);
    }

    /** The single number a counting query answers, with {@code values} bound to its {@code ?} in order. */
    static long count(Connection database, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = database.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    public String developerToken() {
        return TestLogins.developer();
    }

    public String adminToken() {
        return TestLogins.admin();
    }

}
