package computepool.localstack.quarkus;

import computepool.localstack.LocalStack;
import computepool.localstack.LocalStackEnv;
import computepool.localstack.PostgresAdmin;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Points a {@code @QuarkusTest} at the local stack: the one whose env file {@link LocalStackEnv#locate()}
 * finds, else one started in this JVM (a module's tests run alone). Creates the service's own database when
 * named:
 *
 * <pre>{@code
 * @QuarkusTestResource(value = LocalStackTestResource.class,
 *         initArgs = @ResourceArg(name = LocalStackTestResource.DATABASE, value = "identity"))
 * }</pre>
 *
 * The application logs in to Kafka as its own broker user: the {@link #SERVICE} init argument's, else the one named
 * like the application ({@code quarkus.application.name} in its {@code application.properties}), so its tests meet
 * the same ACLs as the service does. Every env key is also passed as {@code computepool.test.<lowercase key>}, for
 * tests that need the test users' passwords or the broker's administrator (their own producers log in as it).
 */
public class LocalStackTestResource implements QuarkusTestResourceLifecycleManager {

    /** Init argument: the database to create and point the datasource at. */
    public static final String DATABASE = "database";
    /** Init argument: the service whose own Keycloak client (and so service token) the application uses. */
    public static final String SERVICE = "service";
    /** Where a stack started for a module's tests alone lives, relative to the module. */
    public static final Path IN_PROCESS_HOME = Path.of("target", "local-stack");

    private Optional<String> database = Optional.empty();
    private Optional<String> service = Optional.empty();

    @Override
    public void init(Map<String, String> initArgs) {
        database = Optional.ofNullable(initArgs.get(DATABASE)).filter(name -> !name.isBlank());
        service = Optional.ofNullable(initArgs.get(SERVICE)).filter(name -> !name.isBlank());
    }

    @Override
    public Map<String, String> start() {
        LocalStackEnv env = LocalStackEnv.locate()
                .map(LocalStackEnv::read)
                .orElseGet(() -> LocalStack.startInProcess(IN_PROCESS_HOME.toAbsolutePath()));
        database.ifPresent(PostgresAdmin.forEnv(env)::createDatabase);
        return overrides(env, database, service, service.or(LocalStackTestResource::applicationName));
    }

    /** The application's {@code quarkus.application.name}, read from its application.properties on the class path. */
    static Optional<String> applicationName() {
        try (InputStream in = Thread.currentThread().getContextClassLoader()
                .getResourceAsStream("application.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            Properties properties = new Properties();
            properties.load(in);
            return Optional.ofNullable(properties.getProperty("quarkus.application.name"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read application.properties", e);
        }
    }

    /** The stack outlives each test class: whoever started it stops it. */
    @Override
    public void stop() {
    }

    static Map<String, String> overrides(LocalStackEnv env, Optional<String> database, Optional<String> service,
            Optional<String> kafkaUser) {
        Map<String, String> config = new HashMap<>(env.serviceConfig(database));
        service.ifPresent(name -> config.putAll(env.serviceIdentity(name)));
        kafkaUser.ifPresent(name -> config.putAll(env.kafkaIdentity(name)));
        env.values().forEach((key, value) -> config.put("computepool.test." + key.toLowerCase(Locale.ROOT), value));
        return config;
    }
}
