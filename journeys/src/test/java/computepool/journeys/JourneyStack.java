package computepool.journeys;

import computepool.localstack.LocalStackEnv;
import computepool.localstack.PostgresAdmin;
import computepool.localstack.quarkus.TestLogins;
import computepool.shard.client.TicketKeys;
import computepool.shard.client.TicketSigner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The running local stack as journeys see it: its addresses, a fresh database per service process,
 * the configuration a packaged service needs to run on it, a developer of this run's own and logins.
 */
public final class JourneyStack {

    /**
     * How long a journey's services may take to read the shared topics up to its own events (its developer, its
     * workers): each new consumer group starts at every earlier journey's events, on a machine busy starting services.
     */
    static final Duration CATCH_UP = Duration.ofSeconds(120);

    private final LocalStackEnv env;
    private final PostgresAdmin postgres;
    /** Keeps this run's databases and consumer groups apart from earlier runs and other tests. */
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private KeycloakUsers.Login developer;
    private final List<KeycloakUsers.Login> operators = new ArrayList<>();

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

    /** Session tickets signed as the stack's gateways sign them, for journeys that drive shard workers directly. */
    public TicketSigner ticketSigner() {
        return new TicketSigner(TicketKeys.privateKey(env.require(LocalStackEnv.SESSION_TICKET_SIGNING_KEY)),
                "journeys", Clock.systemUTC());
    }

    public String runId() {
        return runId;
    }

    /**
     * Configuration for the service {@code module} on its own new database, named {@code <database>_<run id>}, logged
     * in to Kafka as that service's own broker user.
     */
    public Map<String, String> serviceConfig(String module, String database) {
        String name = database + "_" + runId;
        postgres.createDatabase(name);
        Map<String, String> config = new HashMap<>(env.serviceConfig(Optional.of(name)));
        config.putAll(env.kafkaIdentity(module));
        // The shared topics hold earlier runs' events, some of which this run's database cannot apply: a consumer
        // gives up on one within seconds, not the production horizon of minutes.
        config.put("computepool.events.consumer.retry-horizon", "3s");
        return config;
    }

    /**
     * Configuration for a payment-svc of this run's own on a new database: it reads earnings from now on (the billing
     * topic holds every earlier journey's, thousands of them; its consumer is assigned by the time a platform started
     * beside it has served anything) and workers' events in a group of its own, and follows its chain actions closely.
     */
    public Map<String, String> paymentConfig(String database) {
        Map<String, String> config = new HashMap<>(serviceConfig("payment-svc", database));
        config.put("mp.messaging.incoming.billing-events.group.id", "payment-" + database + "-" + runId);
        config.put("mp.messaging.incoming.billing-events.auto.offset.reset", "latest");
        config.put("mp.messaging.incoming.worker-events.group.id", "payment-" + database + "-" + runId);
        config.put("computepool.chain.actions.poll-interval", "100ms");
        return config;
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

    /**
     * This run's developer, made in Keycloak the first time it is asked for. Not the realm's shared test developer:
     * billing charges reservation usage by Keycloak subject, and the shared topics hold every earlier run's usage,
     * which a subject of its own keeps off this run's wallets however far this run's billing has read.
     */
    synchronized KeycloakUsers.Login developer() {
        if (developer == null) {
            developer = KeycloakUsers.forEnv(env).create("journey-developer", List.of("developer"));
        }
        return developer;
    }

    /**
     * A token of this run's operator number {@code index} (0, 1, …), made in Keycloak the first time it is asked for:
     * each registers nodes of its own, so workers of different operators are paid apart.
     */
    public String operatorToken(int index) {
        KeycloakUsers.Login login;
        synchronized (this) {
            while (operators.size() <= index) {
                operators.add(KeycloakUsers.forEnv(env).create("journey-operator", List.of("developer")));
            }
            login = operators.get(index);
        }
        return TestLogins.login(env, login.username(), login.password());
    }

    /** A token of {@link #developer()}, reused while it is fresh. */
    public String developerToken() {
        KeycloakUsers.Login login = developer();
        return TestLogins.login(env, login.username(), login.password());
    }

    public String adminToken() {
        return TestLogins.admin();
    }

}
