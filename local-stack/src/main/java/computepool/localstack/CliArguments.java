package computepool.localstack;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The command line of {@link LocalStack}: a command and its options. */
public record CliArguments(String command, Optional<Path> home, Optional<Path> envFile, Optional<Path> logs,
        List<String> components, Optional<String> database) {

    public static final String USAGE = """
            usage: LocalStack start  --home DIR [--env FILE] [--logs DIR] [--components postgres,kafka,redis,keycloak,chain]
                   LocalStack stop   --home DIR
                   LocalStack status --home DIR
                   LocalStack create-database --env FILE --name NAME
            """;

    public static CliArguments parse(String... args) {
        if (args.length == 0 || !List.of("start", "stop", "status", "create-database").contains(args[0])) {
            throw new IllegalArgumentException("expected a command: start, stop, status or create-database");
        }
        Path home = null;
        Path envFile = null;
        Path logs = null;
        String database = null;
        List<String> components = LocalStack.COMPONENTS;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--home" -> home = Path.of(value).toAbsolutePath();
                case "--env" -> envFile = Path.of(value).toAbsolutePath();
                case "--logs" -> logs = Path.of(value).toAbsolutePath();
                case "--components" -> components = components(value);
                case "--name" -> database = value;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args[0].equals("create-database")) {
            if (envFile == null || database == null) {
                throw new IllegalArgumentException("create-database needs --env and --name");
            }
        } else if (home == null) {
            throw new IllegalArgumentException("--home is required");
        }
        return new CliArguments(args[0], Optional.ofNullable(home), Optional.ofNullable(envFile),
                Optional.ofNullable(logs), components, Optional.ofNullable(database));
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
