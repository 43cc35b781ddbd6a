package computepool.localstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Where the pinned components lie in the local Maven repository. The build resolves them and writes their
 * paths into resources of this jar, so nothing is downloaded at run time.
 */
public record Artifacts(Path postgresBinaries, String postgresVersion, Path keycloakDist, String keycloakVersion,
        Path keycloakProviders, String kafkaVersion, List<Path> kafkaClasspath) {

    private static final String BASE = "/computepool/localstack/";

    public static Artifacts fromBuild() {
        Properties properties = new Properties();
        try (InputStream in = resource("artifacts.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> kafka = new ArrayList<>(classpath("kafka-server.classpath"));
        kafka.addAll(classpath("kafka-shared.classpath"));
        return new Artifacts(
                Path.of(properties.getProperty("postgres.binaries")),
                properties.getProperty("postgres.version"),
                Path.of(properties.getProperty("keycloak.dist")),
                properties.getProperty("keycloak.version"),
                Path.of(properties.getProperty("keycloak.providers")),
                properties.getProperty("kafka.version"),
                List.copyOf(kafka));
    }

    /** Fails with the path and the fix when the local repository no longer holds what the build saw. */
    public static Path existing(Path artifact, String component) {
        if (!Files.isRegularFile(artifact)) {
            throw new ComponentFailure(component, artifact + " is missing from the local Maven repository;"
                    + " rebuild local-stack (./mvnw -pl local-stack -am install) to fetch it again", null);
        }
        return artifact;
    }

    private static List<Path> classpath(String name) {
        try (InputStream in = resource(name)) {
            String joined = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return joined.isEmpty() ? List.of()
                    : Arrays.stream(joined.split(File.pathSeparator)).map(Path::of).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Artifacts.class.getResourceAsStream(BASE + name);
        if (in == null) {
            throw new IOException(BASE + name + " is missing: local-stack was not built by Maven");
        }
        return in;
    }
}
