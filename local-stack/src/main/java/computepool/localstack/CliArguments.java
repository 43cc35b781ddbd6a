package computepool.localstack;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The command line of {@link LocalStack}: a command and its options. */
public record CliArguments(String command, Path home, Optional<Path> envFile, Optional<Path> logs,
        List<String> components) {

    public static final String USAGE = """
            usage: LocalStack start  --home DIR [--env FILE] [--logs DIR] [--components postgres,kafka,redis,keycloak]
                   LocalStack stop   --home DIR
                   LocalStack status --home DIR
            """;

    public static CliArguments parse(String... args) {
        if (args.length == 0 || !List.of("start", "stop", "status").contains(args[0])) {
            throw new IllegalArgumentException("expected a command: start, stop or status");
        }
        Path home = null;
        Path envFile = null;
        Path logs = null;
        List<String> components = LocalStack.COMPONENTS;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--home" -> home = Path.of(value);
                case "--env" -> envFile = Path.of(value);
                case "--logs" -> logs = Path.of(value);
                case "--components" -> components = components(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (home == null) {
            throw new IllegalArgumentException("--home is required");
        }
        return new CliArguments(args[0], home.toAbsolutePath(),
                Optional.ofNullable(envFile).map(Path::toAbsolutePath),
                Optional.ofNullable(logs).map(Path::toAbsolutePath),
                components);
    }

    private static List<String> components(String list) {
        List<String> names = Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct()
                .toList();
        for (String name : names) {
            if (!LocalStack.COMPONENTS.contains(name)) {
                throw new IllegalArgumentException("unknown component " + name + "; known: "
                        + String.join(",", LocalStack.COMPONENTS));
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--components names none");
        }
        return names;
    }
}
