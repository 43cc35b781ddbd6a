package computepool.localstack;

import java.nio.file.Path;

/**
 * The directory one stack keeps between runs: its data (PostgreSQL cluster, Kafka log, Keycloak's H2
 * database), its generated secrets, the pids of what is running and a copy of its env file.
 */
public record StackHome(Path root) {

    public StackHome {
        root = root.toAbsolutePath().normalize();
    }

    public Path component(String name) {
        return root.resolve(name);
    }

    public Path secrets() {
        return root.resolve("secrets.properties");
    }

    public Path state() {
        return root.resolve("state.properties");
    }

    public Path env() {
        return root.resolve("local-stack.env");
    }

    public Path defaultLogs() {
        return root.resolve("logs");
    }
}
