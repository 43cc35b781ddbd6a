package computepool.proto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the {@code .proto} files declare, read as text: enough to list RPCs and events, not a protobuf parser.
 */
final class ProtoContracts {

    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final Pattern JAVA_PACKAGE = Pattern.compile("option\\s+java_package\\s*=\\s*\"([\\w.]+)\"");
    // One alternative per construct the scan cares about; the braces keep track of nesting.
    private static final Pattern TOKEN = Pattern.compile(
            "\\b(?<kind>message|service|enum|oneof)\\s+(?<name>\\w+)\\s*\\{"
                    + "|\\brpc\\s+(?<rpc>\\w+)\\s*\\("
                    + "|\\bmap\\s*<\\s*[\\w.]+\\s*,\\s*(?<mapValue>[\\w.]+)\\s*>\\s*\\w+\\s*=\\s*\\d+"
                    + "|(?<type>\\.?[A-Za-z_][\\w.]*)\\s+\\w+\\s*=\\s*\\d+"
                    + "|(?<open>\\{)|(?<close>\\})");

    /** One file: {@code name} is its file name, {@code fieldTypes} the full names of every field's type in it. */
    record ProtoFile(String name, String protoPackage, String javaPackage, List<String> messages,
            Map<String, List<String>> services, Set<String> fieldTypes) {

        boolean isEvents() {
            return name.endsWith("_events.proto");
        }
    }

    private final List<ProtoFile> files;

    private ProtoContracts(List<ProtoFile> files) {
        this.files = List.copyOf(files);
    }

    static ProtoContracts read(Path protoRoot) {
        try (Stream<Path> paths = Files.walk(protoRoot)) {
            return new ProtoContracts(paths.filter(path -> path.toString().endsWith(".proto")).sorted()
                    .map(path -> parse(path.getFileName().toString(), Repo.read(path))).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<ProtoFile> files() {
        return files;
    }

    /** {@code computepool.<domain>.v1.<Service>/<Method>} of every RPC. */
    Set<String> rpcs() {
        Set<String> rpcs = new TreeSet<>();
        for (ProtoFile file : files) {
            file.services().forEach((service, methods) -> methods
                    .forEach(method -> rpcs.add(file.protoPackage() + "." + service + "/" + method)));
        }
        return rpcs;
    }

    /**
     * Full names of the events: the top-level messages of {@code *_events.proto} files that no message of such a file
     * embeds as a field type. A service's message may carry an event (a registry answer carries the announcement)
     * without making it a part.
     */
    Set<String> events() {
        Set<String> embedded = new LinkedHashSet<>();
        files.stream().filter(ProtoFile::isEvents).forEach(file -> embedded.addAll(file.fieldTypes()));
        Set<String> events = new TreeSet<>();
        for (ProtoFile file : files) {
            if (file.isEvents()) {
                file.messages().stream().map(message -> file.protoPackage() + "." + message)
                        .filter(message -> !embedded.contains(message)).forEach(events::add);
            }
        }
        return events;
    }

    static ProtoFile parse(String name, String source) {
        String text = stripComments(source);
        String protoPackage = first(PACKAGE, text);
        List<String> messages = new ArrayList<>();
        Map<String, List<String>> services = new LinkedHashMap<>();
        Set<String> fieldTypes = new LinkedHashSet<>();
        // The kinds of the blocks the scan is in, innermost first; "" for a brace of something else (an option).
        Deque<String> blocks = new ArrayDeque<>();
        String service = null;
        Matcher token = TOKEN.matcher(text);
        while (token.find()) {
            if (token.group("kind") != null) {
                String kind = token.group("kind");
                if (blocks.isEmpty() && kind.equals("message")) {
                    messages.add(token.group("name"));
                }
                if (blocks.isEmpty() && kind.equals("service")) {
                    service = token.group("name");
                    services.put(service, new ArrayList<>());
                }
                blocks.push(kind);
            } else if (token.group("rpc") != null) {
                if ("service".equals(blocks.peek())) {
                    services.get(service).add(token.group("rpc"));
                }
            } else if (token.group("open") != null) {
                blocks.push("");
            } else if (token.group("close") != null) {
                blocks.poll();
            } else if (blocks.contains("message")) {
                String type = token.group("mapValue") != null ? token.group("mapValue") : token.group("type");
                fieldTypes.add(qualify(protoPackage, type));
            }
        }
        return new ProtoFile(name, protoPackage, first(JAVA_PACKAGE, text), List.copyOf(messages), services,
                fieldTypes);
    }

    private static String qualify(String protoPackage, String type) {
        if (type.startsWith(".")) {
            return type.substring(1);
        }
        return type.startsWith("computepool.") || type.startsWith("google.") ? type : protoPackage + "." + type;
    }

    private static String first(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : "";
    }

    /** Drops comments, keeping string literals (a URL in an option) whole. */
    static String stripComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '"') {
                int end = source.indexOf('"', i + 1);
                end = end < 0 ? source.length() : end + 1;
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
