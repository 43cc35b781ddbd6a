package computepool.localstack;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.regex.Pattern;

/** Administers the stack's PostgreSQL server as its superuser: every service and test gets its own database. */
public final class PostgresAdmin {

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String DUPLICATE_DATABASE = "42P04";

    private final String host;
    private final int port;
    private final String user;
    private final String password;

    public PostgresAdmin(String host, int port, String user, String password) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    public static PostgresAdmin forEnv(LocalStackEnv env) {
        return new PostgresAdmin(env.postgresHost(), env.postgresPort(), env.postgresUser(), env.postgresPassword());
    }

    /** Creates {@code name} unless it exists; safe to call from several test JVMs at once. */
    public void createDatabase(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name must match " + DATABASE_NAME + ": " + name);
        }
        try (Connection connection = connect("postgres");
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            if (!DUPLICATE_DATABASE.equals(e.getSQLState())) {
                throw new IllegalStateException("cannot create database " + name + " on " + host + ":" + port + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** Answers whether the server accepts the superuser and runs a query. */
    public boolean ping() throws SQLException {
        try (Connection connection = connect("postgres");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            return rows.next();
        }
    }

    public Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        // The driver directly, not DriverManager: test class loaders (Quarkus's among them) can hide it from the latter.
        Connection connection = new org.postgresql.Driver().connect(jdbcUrl(host, port, database), properties);
        if (connection == null) {
            throw new SQLException("the PostgreSQL driver rejected " + jdbcUrl(host, port, database));
        }
        return connection;
    }

    public static String jdbcUrl(String host, int port, String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
}
