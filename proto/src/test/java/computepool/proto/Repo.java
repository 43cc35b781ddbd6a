package computepool.proto;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Maven reactor the contract test reads: its modules, their main sources and configuration, as plain text.
 */
final class Repo {

    private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>");
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>\\s*([^<\\s]+)\\s*</artifactId>");

    /** One main source file of a module. */
    record JavaSource(String module, Path path, String text) {
    }

    private final Path root;
    private final List<String> modules;

    private Repo(Path root) {
        this.root = root;
        List<String> found = new ArrayList<>();
        Matcher module = MODULE.matcher(read(root.resolve("pom.xml")));
        while (module.find()) {
            found.add(module.group(1));
        }
        this.modules = List.copyOf(found);
    }

    /**
     * The reactor around the working directory: Surefire runs in {@code proto/}, an IDE may run in the root.
     */
    static Repo locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && read(pom).contains("<module>proto</module>")) {
                return new Repo(dir);
            }
        }
        throw new IllegalStateException("no root pom.xml with <module>proto</module> above "
                + Path.of("").toAbsolutePath());
    }

    Path root() {
        return root;
    }

    List<String> modules() {
        return modules;
    }

    /** Modules that run as a process of their own, hence a caller role: those with an application.properties. */
    Set<String> deployables() {
        Set<String> deployables = new LinkedHashSet<>();
        for (String module : modules) {
            if (Files.isRegularFile(applicationProperties(module))) {
                deployables.add(module);
            }
        }
        return deployables;
    }

    /** {@code module} and every sibling module it depends on, directly or not: whose code runs in its process. */
    Set<String> withLibraries(String module) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> next = new ArrayDeque<>(List.of(module));
        while (!next.isEmpty()) {
            String current = next.pop();
            Path pom = root.resolve(current).resolve("pom.xml");
            if (!seen.add(current) || !Files.isRegularFile(pom)) {
                continue;
            }
            Matcher artifact = ARTIFACT.matcher(read(pom));
            while (artifact.find()) {
                if (modules.contains(artifact.group(1))) {
                    next.push(artifact.group(1));
                }
            }
        }
        return seen;
    }

    List<JavaSource> javaSources(String module) {
        Path dir = root.resolve(module).resolve("src/main/java");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(file -> file.toString().endsWith(".java")).sorted()
                    .map(file -> new JavaSource(module, root.relativize(file), read(file))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base profile's configuration: a {@code %test.} or {@code %dev.} key is a key of its own here. */
    Optional<Properties> properties(String module) {
        Path file = applicationProperties(module);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(properties);
    }

    String read(String relative) {
        return read(root.resolve(relative));
    }

    private Path applicationProperties(String module) {
        return root.resolve(module).resolve("src/main/resources/application.properties");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
