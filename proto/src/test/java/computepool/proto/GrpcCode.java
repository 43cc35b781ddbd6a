package computepool.proto;

import computepool.proto.Repo.JavaSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which module implements which gRPC service, with which {@code @RolesAllowed}, and which modules call which service,
 * as the modules' main code says.
 */
final class GrpcCode {

    private static final Pattern CLASS_LINE = Pattern.compile(
            "(?m)^(?:public\\s+|final\\s+|abstract\\s+)*class\\s+\\w+[^\\n]*$");
    private static final Pattern ROLES_ALLOWED = Pattern.compile(
            "@(?:jakarta\\.annotation\\.security\\.)?RolesAllowed\\s*\\(([^)]*)\\)");
    private static final Pattern STRING_LITERAL = Pattern.compile("\"([^\"]*)\"");
    private static final Pattern GRPC_CLIENT = Pattern.compile(
            "@GrpcClient(?:\\(\\s*(?:value\\s*=\\s*)?\"[^\"]*\"\\s*\\))?"
                    + "\\s+(?:final\\s+)?(?:[\\w.]+\\.)?(\\w+)\\s+\\w+");
    private static final Pattern STUB = Pattern.compile("\\b(\\w+)Grpc\\.new\\w*Stub\\(");

    /** {@code module} runs code that calls the service named {@code service} (simple name). */
    record Call(String module, String service) {
    }

    private final Repo repo;

    GrpcCode(Repo repo) {
        this.repo = repo;
    }

    /**
     * The class of {@code module} serving {@code service} (simple name): a {@code @GrpcService} implementing the Mutiny
     * interface or extending the grpc-java base.
     */
    List<JavaSource> implementations(String module, String service) {
        Pattern serves = Pattern.compile("\\bimplements\\s+[^{]*\\b" + service + "\\b|\\bextends\\s+" + service
                + "Grpc\\." + service + "ImplBase\\b");
        return repo.javaSources(module).stream()
                .filter(source -> source.text().contains("@GrpcService") && serves.matcher(source.text()).find())
                .toList();
    }

    /**
     * The roles {@code method} of {@code source} allows: its own {@code @RolesAllowed}, which overrides the class's,
     * else the class's; empty when neither has one.
     */
    static Optional<Set<String>> rolesAllowed(JavaSource source, String method) {
        String text = source.text();
        Matcher declaration = Pattern.compile("(?m)^[ \\t]*public\\s+[^;{=]*?\\b" + Pattern.quote(method) + "\\s*\\(")
                .matcher(text);
        if (declaration.find()) {
            Optional<Set<String>> own = roles(annotationsAbove(text, declaration.start()));
            if (own.isPresent()) {
                return own;
            }
        }
        Matcher type = CLASS_LINE.matcher(text);
        return type.find() ? roles(annotationsAbove(text, type.start())) : Optional.empty();
    }

    /** Every module whose process calls a service: its own code or that of a library it depends on. */
    Set<Call> calls() {
        Set<Call> calls = new LinkedHashSet<>();
        for (String module : repo.deployables()) {
            for (String library : repo.withLibraries(module)) {
                for (JavaSource source : repo.javaSources(library)) {
                    for (Pattern pattern : List.of(GRPC_CLIENT, STUB)) {
                        Matcher called = pattern.matcher(source.text());
                        while (called.find()) {
                            calls.add(new Call(module, called.group(1)));
                        }
                    }
                }
            }
        }
        return calls;
    }

    /**
     * The annotation lines right above the declaration starting at {@code start}; they end at the previous statement,
     * block or comment.
     */
    private static String annotationsAbove(String text, int start) {
        List<String> lines = new ArrayList<>(List.of(text.substring(0, start).split("\n", -1)));
        StringBuilder annotations = new StringBuilder();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).strip();
            if (i == lines.size() - 1 && line.isEmpty()) {
                continue;
            }
            if (line.isEmpty() || line.endsWith(";") || line.endsWith("{") || line.equals("}") || line.endsWith("*/")
                    || line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
                break;
            }
            annotations.insert(0, line + "\n");
        }
        return annotations.toString();
    }

    private static Optional<Set<String>> roles(String annotations) {
        Matcher allowed = ROLES_ALLOWED.matcher(annotations);
        if (!allowed.find()) {
            return Optional.empty();
        }
        Set<String> roles = new LinkedHashSet<>();
        Matcher literal = STRING_LITERAL.matcher(allowed.group(1));
        while (literal.find()) {
            roles.add(literal.group(1));
        }
        return Optional.of(roles);
    }
}
